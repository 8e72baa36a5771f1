// @ts-check
/*
 * The consent center, the admin page over the consent API: no framework, no build step, no data of
 * its own. The function key (kept for this tab only), the platform's sign-in or (under Entra ID) the
 * admin's session reaches the API; the page offers only what the caller's roles allow.
 */
import { api, authorized, state } from './api.js';
import { loadProfiles } from './catalog.js';
import { status } from './dom.js';
import { nav, sections, show, updateWho, viewFromHash } from './shell.js';
import './access.js';
import './activity.js';
import './find.js';
import './list.js';
import './profiles.js';

const app = /** @type {HTMLElement} */ (document.getElementById('app'));
document.body.insertBefore(nav, app);
app.replaceChildren(status, ...Object.values(sections));
window.addEventListener('hashchange', () => show(viewFromHash()));

(async () => {
  try {
    const me = await (await fetch('/.auth/me', { headers: { accept: 'application/json' } })).json();
    if (typeof me?.[0]?.user_id === 'string') state.principal = me[0].user_id;
  } catch {
    // no App Service authentication here (locally a 404)
  }
  if (state.principal && !state.key) {
    // Under Entra ID the signed-in session reaches the API itself, with the admin's roles.
    try {
      const me = await api('GET', 'me', { probe: true });
      if (me?.authMode === 'entra') state.me = me;
    } catch {
      // under function keys the sign-in alone does not reach the API: the key is asked for
    }
  }
  state.actor ||= state.principal;
  updateWho();
  show(viewFromHash(), false);
  if (authorized()) loadProfiles();
})();
