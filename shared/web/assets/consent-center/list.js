// @ts-check
/* List: every record matching the filters, a page at a time, with a stack of tokens for Previous. */
import { api, showError, state } from './api.js';
import { onProfiles, purposeName, topicName } from './catalog.js';
import { CHANNELS, SOURCES, STATUSES, VALUES, words } from './codes.js';
import { alertBox, announce, button, field, h, heading, select, table, when } from './dom.js';
import { openContactPoint } from './find.js';
import { sections } from './shell.js';

const list = {
  seq: 0,
  /** @type {Record<string, string>} */ query: {},
  /** @type {Array<string | undefined>} */ tokens: [],
  page: 0,
};
/** @type {Record<string, HTMLInputElement | HTMLSelectElement>} */
const filters = {
  channel: select(CHANNELS, '', 'Any channel'),
  purposeId: h('select', {}),
  topicId: h('select', {}),
  value: select(VALUES, '', 'Any value'),
  source: select(SOURCES, '', 'Any source'),
  status: select(STATUSES, '', 'Any status'),
  modifiedSince: h('input', { type: 'datetime-local', step: '1' }),
};
const pageSize = h('input', { type: 'number', min: '1', max: '1000', value: '50', required: true });
const listError = alertBox();
const listHeading = heading(2, 'Records found');
const listInfo = h('p', { class: 'info' });
const listTable = h('div');
const listEnd = h('p', { class: 'end', hidden: true }, 'End of list.');
const prev = button('Previous', () => list.page > 0 && showPage(-1), 'secondary');
const next = button('Next', () => list.tokens[list.page + 1] && showPage(1), 'secondary');
const pager = h('div', { class: 'actions' }, prev, next);
const listResults = h('div', { hidden: true }, listHeading, listInfo, listTable, listEnd, pager);

function fillFilters() {
  /** @param {HTMLInputElement | HTMLSelectElement} el @param {string} any @param {HTMLElement[]} groups */
  const refill = (el, any, groups) => {
    const v = el.value;
    el.replaceChildren(h('option', { value: '' }, any), ...groups);
    el.value = v;
    el.value ||= '';
  };
  const option = (/** @type {{ id: string, name: string }} */ x) =>
    h('option', { value: x.id }, `${x.name} (${x.id})`);
  const purposes = state.profiles.map((p) => h('optgroup', { label: p.name }, p.purposes.map(option)));
  const withTopics = state.profiles.flatMap((p) => p.purposes.filter((u) => u.topics?.length));
  refill(filters.purposeId, 'Any purpose', purposes);
  refill(
    filters.topicId,
    'Any topic',
    withTopics.map((u) => h('optgroup', { label: u.name }, (u.topics ?? []).map(option))),
  );
}
fillFilters();
onProfiles(fillFilters);

const filterForm = h(
  'form',
  { class: 'filters' },
  h('div', { class: 'grid' }, [
    ...['Channel', 'Purpose', 'Topic', 'Value', 'Source', 'Status', 'Modified since'].map((label, i) =>
      field(label, /** @type {HTMLElement} */ (Object.values(filters)[i])),
    ),
    field('Page size', pageSize),
  ]),
  h('button', {}, 'Show records'),
);
filterForm.addEventListener('submit', (/** @type {Event} */ e) => {
  e.preventDefault();
  /** @type {Record<string, string>} */
  const query = {};
  for (const [name, control] of Object.entries(filters)) if (control.value) query[name] = control.value;
  if (query.modifiedSince) query.modifiedSince = new Date(query.modifiedSince).toISOString();
  query.limit = pageSize.value;
  Object.assign(list, { query, tokens: [undefined], page: 0 });
  showPage(0);
});
sections.list.append(heading(1, 'Browse records'), filterForm, listError, listResults);

/** @param {number} step */
async function showPage(step) {
  const seq = ++list.seq;
  const page = list.page + step;
  showError(listError);
  try {
    const query = { ...list.query, continuationToken: list.tokens[page] };
    const data = await api('GET', 'consents/list', { query });
    if (seq !== list.seq) return;
    list.page = page;
    list.tokens.length = page + 1;
    if (data.continuationToken) list.tokens.push(data.continuationToken);
    renderPage(data.records, Boolean(data.continuationToken), step);
  } catch (err) {
    if (seq === list.seq) showError(listError, err);
  }
}

/** @param {any[]} records @param {boolean} more @param {number} step */
function renderPage(records, more, step) {
  const n = records.length;
  const rows = records.map((r) => [
    button(r.contactPoint, () => openContactPoint(r.channel, r.contactPoint), 'link'),
    words(r.channel),
    purposeName(r.purposeId),
    topicName(r.topicId),
    words(r.value),
    words(r.status),
    words(r.source),
    when(r.modifiedAt),
  ]);
  const headers = ['Contact point', 'Channel', 'Purpose', 'Topic', 'Value', 'Status', 'Source', 'Modified'];
  listResults.hidden = false;
  listInfo.textContent = `Page ${list.page + 1}: ${n} ${n === 1 ? 'record' : 'records'}${!n && more ? '; more may follow' : ''}.`;
  listTable.replaceChildren(n ? table('Records found', headers, rows) : '');
  listEnd.hidden = more;
  const focused = document.activeElement;
  prev.disabled = list.page === 0;
  next.disabled = !more;
  announce(`Page ${list.page + 1} shown${more ? '' : ', the last page'}.`);
  const other = focused === next ? prev : next;
  if (!step) listHeading.focus();
  else if (/** @type {any} */ (focused)?.disabled) (other.disabled ? listHeading : other).focus();
}
