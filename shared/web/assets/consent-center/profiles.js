// @ts-check
/* Profiles: every profile's purposes, types, topics and enforcement per channel. */
import { showError, state } from './api.js';
import { loadProfiles, named, onProfiles } from './catalog.js';
import { CHANNELS, words } from './codes.js';
import { alertBox, announce, button, h, heading, table } from './dom.js';
import { sections } from './shell.js';

const profilesError = alertBox();
const profilesBody = h('div');
const reload = button(
  'Reload profiles',
  () => loadProfiles().then(() => announce('Profiles reloaded.')),
  'secondary',
);
sections.profiles.append(heading(1, 'Profiles'), reload, profilesError, profilesBody);

onProfiles((error) => {
  showError(profilesError, error);
  if (!error) renderProfiles();
});

function renderProfiles() {
  /** @param {string | Record<string, string>} enforcement @param {string} channel */
  const model = (enforcement, channel) =>
    words(typeof enforcement === 'string' ? enforcement : enforcement[channel]);
  const headers = ['Purpose', 'Type', ...CHANNELS.map(words), 'Topics'];
  /** @param {import('./api.js').Profile} profile */
  const rows = (profile) =>
    profile.purposes.map((p) => [
      named(p, p.id),
      p.type,
      ...CHANNELS.map((c) => model(p.enforcement, c)),
      p.topics?.length
        ? h(
            'ul',
            { class: 'plain' },
            p.topics.map((t) => h('li', {}, named(t, t.id))),
          )
        : '—',
    ]);
  profilesBody.replaceChildren(
    ...state.profiles.map((profile) =>
      h(
        'section',
        { class: 'card' },
        h('h2', {}, profile.name),
        h(
          'p',
          {},
          'Id ',
          h('code', {}, profile.id),
          profile.companyAddress ? ` · ${profile.companyAddress}` : '',
        ),
        table(`Purposes of ${profile.name} (${profile.id})`, headers, rows(profile)),
      ),
    ),
  );
}
