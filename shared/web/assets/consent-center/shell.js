// @ts-check
/* The shell: a nav of views before main, one section per view, who is signed in. */
import { authorized, state } from './api.js';
import { h } from './dom.js';

/** @type {Record<string, string>} */
export const VIEWS = {
  find: 'Find',
  list: 'List',
  profiles: 'Profiles',
  activity: 'Activity',
  key: 'Access',
};

/** @type {Record<string, HTMLAnchorElement>} */
const links = {};
/** @type {Record<string, HTMLElement>} */
export const sections = {};
for (const [view, label] of Object.entries(VIEWS)) {
  links[view] = h('a', { href: `#/${view}` }, label);
  links[view].addEventListener('click', (e) => {
    if (location.hash !== `#/${view}`) return;
    e.preventDefault();
    show(view);
  });
  sections[view] = h('section', { hidden: true });
}
export const nav = h(
  'nav',
  { 'aria-label': 'Views', class: 'views' },
  h(
    'ul',
    {},
    Object.values(links).map((a) => h('li', {}, a)),
  ),
);

/** What a view does when it is shown (the access view renders itself). */
/** @type {Record<string, () => void>} */
export const onShow = {};

export const viewFromHash = () =>
  Object.hasOwn(VIEWS, location.hash.slice(2)) ? location.hash.slice(2) : 'find';
/** @param {string} view */
export const go = (view) => (location.hash === `#/${view}` ? show(view) : (location.hash = `#/${view}`));

/** @param {string} view @param {boolean} [focus] */
export function show(view, focus = true) {
  if (!authorized()) view = 'key';
  state.view = view;
  for (const [name, section] of Object.entries(sections)) section.hidden = name !== view;
  for (const [name, a] of Object.entries(links)) {
    /** @type {HTMLElement} */ (a.parentElement).hidden = !authorized() && name !== 'key';
    if (name === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${VIEWS[view]} · Consent center`;
  onShow[view]?.();
  if (focus) /** @type {HTMLElement} */ (sections[view]?.querySelector('h1'))?.focus();
}

const who = /** @type {HTMLElement} */ (document.getElementById('who'));
export function updateWho() {
  const me = state.me?.authMode === 'entra' ? state.me : undefined;
  const parts = [
    me ? `Signed in as ${me.actor}` : state.principal && `Signed in as ${state.principal}`,
    me && !me.roles.some((r) => /^Consent\.(Write|Admin)(:|$)/.test(r)) && 'read only',
    state.key && 'Using a function key (this tab only)',
  ];
  who.textContent = parts.filter(Boolean).join(' · ') || 'Not signed in';
}
