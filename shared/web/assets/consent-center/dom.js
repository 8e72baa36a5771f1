// @ts-check
/*
 * DOM helpers: elements, text and attributes only, so nothing the API says ever becomes markup.
 */
import { words } from './codes.js';

/** @typedef {Node | string | number | null | undefined | false} Kid */
/** @typedef {Kid | Kid[] | Kid[][]} Kids */

let uid = 0;

/**
 * An element with attributes (`on…` are listeners; `value` and `hidden` properties) and children.
 * @param {string} tag
 * @param {Record<string, any> | null} [props]
 * @param {...Kids} kids
 * @returns {any}
 */
export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  el.append(
    .../** @type {(Node | string)[]} */ (
      kids
        .flat(9)
        .filter((k) => k != null && k !== false)
        .map((k) => (typeof k === 'number' ? String(k) : k))
    ),
  );
  for (const [name, v] of Object.entries(props ?? {})) {
    if (v == null || v === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), v);
    else if (name === 'class') el.className = v;
    else if (name === 'value' || name === 'hidden') /** @type {any} */ (el)[name] = v;
    else el.setAttribute(name, v === true ? '' : v);
  }
  return el;
}

/** @param {number} level @param {string} text @returns {HTMLElement} */
export const heading = (level, text) => h(`h${level}`, { tabindex: '-1' }, text);
/** @returns {HTMLElement} */
export const alertBox = () => h('div', { class: 'error', role: 'alert' });
/** @param {Kids} text @param {(e: Event) => unknown} onclick @param {string} [cls] @returns {HTMLButtonElement} */
export const button = (text, onclick, cls) => h('button', { type: 'button', class: cls, onclick }, text);
/** @param {readonly string[]} codes */
const choices = (codes) => codes.map((v) => h('option', { value: v }, words(v)));
/**
 * @param {readonly string[]} codes @param {string | undefined} value @param {string} [any]
 * @returns {HTMLSelectElement}
 */
export const select = (codes, value, any) =>
  h('select', { value: value ?? '' }, any && h('option', { value: '' }, any), choices(codes));

/**
 * A labelled control with an optional hint and a place for its own error, both described by it.
 * @param {string} label @param {HTMLElement} control @param {string} [hint] @returns {HTMLElement}
 */
export function field(label, control, hint) {
  const id = (control.id ||= `cc${++uid}`);
  const hintEl = hint && h('p', { class: 'hint', id: `${id}-hint` }, hint);
  control.setAttribute('aria-describedby', `${hint ? `${id}-hint ` : ''}${id}-error`);
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  return h('div', { class: 'field' }, h('label', { for: id }, label), hintEl, control, error);
}

/** @param {HTMLElement} control @param {string} [message] */
export function fieldError(control, message = '') {
  const error = document.getElementById(`${control.id}-error`);
  if (!error) return;
  error.textContent = message;
  error.hidden = !message;
  if (message) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

const dates = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
/** @param {string | undefined} iso @returns {Kid} */
export function when(iso) {
  const date = new Date(iso ?? NaN);
  return Number.isNaN(date.getTime()) ? (iso ?? '—') : h('time', { datetime: iso }, dates.format(date));
}

/**
 * A table that scrolls sideways inside its own focusable region, named by its caption.
 * @param {string} caption @param {string[]} headers @param {Kids[][]} rows @returns {HTMLElement}
 */
export function table(caption, headers, rows) {
  const id = `cc${++uid}`;
  const head = h(
    'tr',
    {},
    headers.map((t) => h('th', { scope: 'col' }, t)),
  );
  const body = rows.map((cells) =>
    h(
      'tr',
      {},
      cells.map((c) => h('td', {}, c)),
    ),
  );
  const t = h(
    'table',
    {},
    h('caption', { id, class: 'vh' }, caption),
    h('thead', {}, head),
    h('tbody', {}, body),
  );
  return h('div', { class: 'scroll', role: 'region', 'aria-labelledby': id, tabindex: '0' }, t);
}

/** The status line every view announces its outcomes in. */
export const status = h('p', { class: 'status', role: 'status' });
/** @param {string} text */
export const announce = (text) => (status.textContent = text);
