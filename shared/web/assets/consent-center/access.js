// @ts-check
/* Access: how the API is reached (the platform's sign-in, Entra ID roles), or the key prompt. */
import { api, authorized, hooks, keepKey, showError, state } from './api.js';
import { setProfiles } from './catalog.js';
import { alertBox, announce, button, field, fieldError, h, heading } from './dom.js';
import { go, onShow, sections, show, updateWho, viewFromHash } from './shell.js';

const keyError = alertBox();
const keyBody = h('div');
sections.key.append(heading(1, 'Access'), keyError, keyBody);
onShow.key = renderKey;

/** A 401: the key (or the sign-in) does not open the API, so ask for the key. */
hooks.refused = () => {
  if (!authorized()) return show('key');
  if (state.key) {
    state.keyMessage = 'The function key was refused (401). Enter the key again.';
    state.key = keepKey('');
  } else if (state.me?.authMode === 'entra') {
    state.keyMessage = 'Your sign-in has ended (401). Reload the page to sign in again.';
    state.me = undefined;
  } else {
    state.refused = true;
    state.keyMessage = 'The API did not accept your sign-in (401). Enter the function key.';
  }
  updateWho();
  show('key');
};

function renderKey() {
  const me = state.me?.authMode === 'entra' ? state.me : undefined;
  keyError.replaceChildren(state.keyMessage ? h('p', {}, state.keyMessage) : '');
  keyBody.replaceChildren(
    me
      ? h(
          'p',
          {},
          `Signed in as ${me.actor}: the API is called with your sign-in, with the roles `,
          h('strong', {}, me.roles.join(', ') || 'none'),
          '.',
        )
      : state.principal && !state.refused
        ? h('p', {}, `Signed in as ${state.principal}: the API is called with your sign-in.`)
        : '',
    state.key ? h('p', {}, 'A function key is kept for this tab only and sent with every call.') : '',
    state.key ? button('Forget key', forgetKey) : '',
    authorized() ? '' : keyForm(),
  );
}

function keyForm() {
  const input = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', required: true });
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    const key = input.value.trim();
    fieldError(input, key ? '' : 'Enter the function key.');
    if (!key || state.busy) return input.focus();
    const before = state.key;
    state.busy = true;
    state.key = key;
    try {
      const data = await api('GET', 'profiles', { probe: true });
      keepKey(key);
      Object.assign(state, { keyMessage: '', ready: Promise.resolve() });
      updateWho();
      announce('Key accepted.');
      setProfiles(data.profiles);
      go(viewFromHash() === 'key' ? 'find' : viewFromHash());
    } catch (err) {
      state.key = before;
      if (/** @type {any} */ (err).status === 401)
        fieldError(input, 'That key was refused (401). Check it and try again.');
      showError(keyError, err);
      input.select();
      input.focus();
    } finally {
      state.busy = false;
    }
  };
  const intro = 'Enter the function key of the consent service. It is kept for this tab only.';
  return h(
    'form',
    { onsubmit: submit },
    h('p', {}, intro),
    field('Function key', input),
    h('button', {}, 'Use key'),
  );
}

function forgetKey() {
  state.key = keepKey('');
  state.keyMessage = '';
  updateWho();
  announce('The key is forgotten.');
  show('key');
}
