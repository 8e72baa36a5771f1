// @ts-check
/*
 * The API client and what the page knows of its caller: the function key (kept for this tab only)
 * or the platform's sign-in, and (under Entra ID) the caller's roles.
 */
import { h } from './dom.js';

const API = new URL('.', location.href);
const KEY = 'consent-center.key';
const ACTOR = 'consent-center.actor';

/**
 * A value kept for this tab only (sessionStorage), or read when `value` is undefined.
 * @param {string} item @param {string} [value] @returns {string | null}
 */
export function stored(item, value) {
  try {
    if (value === undefined) return sessionStorage.getItem(item);
    if (value) sessionStorage.setItem(item, value);
    else sessionStorage.removeItem(item);
  } catch {
    // storage turned off: the value lasts as long as the page
  }
  return null;
}

/**
 * @typedef {{ id: string, name: string, description?: string, topics?: Array<{ id: string, name: string, description?: string }>, type: string,
 *   enforcement: string | Record<string, string> }} Purpose
 * @typedef {{ id: string, name: string, companyAddress?: string, purposes: Purpose[] }} Profile
 * @typedef {{ authMode: 'keys' | 'entra', actor: string, actorId?: string, roles: string[] }} Me
 */

export const state = {
  /** @type {string} */ principal: '',
  refused: false,
  /** @type {string | null} */ key: stored(KEY),
  actor: stored(ACTOR) ?? '',
  /** @type {Profile[]} */ profiles: [],
  /** @type {Promise<unknown>} */ ready: Promise.resolve(),
  /** What the API says of the caller; under entra its roles decide what the page offers. */
  /** @type {Me | undefined} */ me: undefined,
  keyMessage: '',
  busy: false,
  view: 'find',
};

/** @param {string} key */
export const keepKey = (key) => stored(KEY, key);
/** @param {string} actor */
export const keepActor = (actor) => stored(ACTOR, (state.actor = actor));

/** Whether the API can be called: a key, the platform's sign-in, or an Entra ID session. */
export const authorized = () =>
  Boolean(state.key || state.me?.authMode === 'entra' || (state.principal && !state.refused));

/** Whether the caller may change records: always with a key; under entra with Consent.Write or Admin. */
export const mayWrite = () =>
  state.me?.authMode !== 'entra' ||
  state.me.roles.some((role) => /^(Consent\.Write|Consent\.Admin)(:|$)/.test(role));

export class ApiError extends Error {
  /** @param {number} status @param {Record<string, any>} problem */
  constructor(status, problem) {
    super(problem.title ?? String(status));
    this.status = status;
    this.problem = problem;
  }
}

/** What a 401 does (set by the shell: ask for the key). */
export const hooks = { refused: () => {} };

/**
 * Calls the API: the key as x-functions-key, the session's cookie otherwise; a problem becomes an
 * ApiError, and a 401 (unless probing) calls `hooks.refused`.
 * @param {string} method @param {string} path
 * @param {{ query?: Record<string, string | number | undefined>, body?: unknown, actor?: string, probe?: boolean }} [options]
 * @returns {Promise<any>}
 */
export async function api(method, path, { query = {}, body, actor, probe } = {}) {
  const url = new URL(path, API);
  for (const [name, v] of Object.entries(query))
    if (v !== undefined && v !== '') url.searchParams.set(name, String(v));
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (state.key) headers['x-functions-key'] = state.key;
  if (body) headers['content-type'] = 'application/json';
  if (actor) headers['x-consent-actor'] = actor;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body ? JSON.stringify(body) : null,
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { title: 'The service could not be reached.', detail: 'Try again.' });
  }
  let data = null;
  try {
    data = JSON.parse(await response.text());
  } catch {
    // an empty body (the host's own refusals) or not JSON
  }
  if (response.status === 401 && !probe) hooks.refused();
  if (!response.ok) throw new ApiError(response.status, data?.constructor === Object ? data : {});
  return data;
}

/**
 * A request's problem shown in its alert box: a 503 as "try again", each bad path listed.
 * @param {HTMLElement} box @param {any} [err]
 */
export function showError(box, err) {
  const problem = err?.problem ?? {};
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  const items = errors.map((/** @type {any} */ e) =>
    h('li', {}, h('code', {}, String(e.path || '(body)')), `: ${e.message}`),
  );
  box.replaceChildren(
    !err || err.status === 401
      ? ''
      : err.status === 503
        ? h('p', {}, h('strong', {}, 'Storage is unavailable, try again.'))
        : h(
            'p',
            {},
            h('strong', {}, problem.title || `The request failed (${err.status ?? err})`),
            ` ${problem.detail ?? ''}`,
          ),
    items.length ? h('ul', {}, items) : '',
  );
}
