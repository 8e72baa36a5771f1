// @ts-check
/* The profiles: names for ids, and the choices of the forms; views re-render when they change. */
import { api, state } from './api.js';
import { h } from './dom.js';

/** @type {Array<(error?: unknown) => void>} */
const listeners = [];

/** Calls `render` (with the error, if loading failed) whenever the profiles are loaded. */
export const onProfiles = (/** @type {(error?: unknown) => void} */ render) => listeners.push(render);

export function loadProfiles() {
  return (state.ready = api('GET', 'profiles')
    .then((data) => setProfiles(data.profiles))
    .catch((error) => listeners.forEach((render) => render(error))));
}

/** @param {import('./api.js').Profile[] | undefined} profiles */
export function setProfiles(profiles) {
  state.profiles = profiles ?? [];
  listeners.forEach((render) => render());
}

/**
 * The purpose (or topic) of that id, from every profile.
 * @param {string | undefined} id @param {boolean} [topic]
 * @returns {{ id: string, name: string, description?: string } | undefined}
 */
export function find(id, topic) {
  for (const profile of state.profiles)
    for (const p of profile.purposes) {
      if (!topic && p.id === id) return p;
      for (const t of topic ? (p.topics ?? []) : []) if (t.id === id) return t;
    }
  return undefined;
}

/**
 * A name, with its id beside it when they differ.
 * @param {{ name: string } | undefined} thing @param {string | undefined} id
 */
export function named(thing, id) {
  if (id == null) return '—';
  return h('span', {}, thing?.name ?? id, thing && thing.name !== id ? h('span', { class: 'id' }, id) : '');
}
/**
 * A name with its description (what the person is told it is about), where one is given.
 * @param {{ name: string, description?: string } | undefined} thing @param {string} id
 */
export function described(thing, id) {
  return thing?.description
    ? h('span', {}, named(thing, id), h('span', { class: 'about' }, thing.description))
    : named(thing, id);
}
export const purposeAbout = (/** @type {string} */ id) => described(find(id), id);
export const topicAbout = (/** @type {string} */ id) => described(find(id, true), id);
export const purposeName = (/** @type {string} */ id) => named(find(id), id);
export const topicName = (/** @type {string | undefined} */ id) => named(find(id, true), id);
/** @param {string} purposeId @param {string} [topicId] */
export const plain = (purposeId, topicId) =>
  [find(purposeId)?.name ?? purposeId, topicId && (find(topicId, true)?.name ?? topicId)]
    .filter(Boolean)
    .join(' › ');
