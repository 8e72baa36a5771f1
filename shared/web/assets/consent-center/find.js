// @ts-check
/* Find: a contact point's records, what will send per profile and why not, and its history. */
import { api, mayWrite, showError, state } from './api.js';
import { plain, purposeAbout, purposeName, topicAbout, topicName } from './catalog.js';
import { CHANNELS, WHY, words } from './codes.js';
import { alertBox, button, field, fieldError, h, heading, select, table, when } from './dom.js';
import { openEditor } from './editor.js';
import { go, sections } from './shell.js';
import { erasedNotice, subjectPanel } from './subject.js';

/** The contact point shown, its records and the history loaded so far. */
export const cp = {
  seq: 0,
  channel: 'email',
  address: '',
  /** @type {any[]} */ records: [],
  /** @type {any[]} */ history: [],
  /** @type {string | undefined} */ token: undefined,
};
const findChannel = select(CHANNELS, 'email');
const findAddress = h('input', {
  type: 'text',
  autocomplete: 'off',
  autocapitalize: 'none',
  spellcheck: 'false',
});
const findError = alertBox();
const findResults = h('div');
const historyBox = h('div');
const historyError = alertBox();
const editorBox = h('div');
const recordsHeading = heading(2, 'Records');
const findForm = h(
  'form',
  { class: 'find' },
  h(
    'div',
    { class: 'row' },
    field('Channel', findChannel),
    field('Address', findAddress, 'An email address or a phone number'),
  ),
  h('button', {}, 'Find'),
);
findForm.addEventListener('submit', (/** @type {Event} */ e) => {
  e.preventDefault();
  const address = findAddress.value.trim();
  fieldError(findAddress, address ? '' : 'Enter an address.');
  if (address) lookup(findChannel.value, address);
  else findAddress.focus();
});
sections.find.append(heading(1, 'Find a contact point'), findForm, findError, findResults);

/** What the editor works with: this contact point, where it is drawn, and how to show it again. */
const editing = {
  cp,
  box: editorBox,
  recordsHeading,
  /** @param {() => void} [then] */
  reload: (then) => lookup(cp.channel, cp.address, then),
};

/** @param {string} channel @param {string} address */
export function openContactPoint(channel, address) {
  findChannel.value = channel;
  findAddress.value = address;
  go('find');
  lookup(channel, address);
}

/**
 * Records, contact view and history of a contact point; `refresh` keeps the page until they come.
 * @param {string} channel @param {string} address @param {() => void} [refresh]
 */
export async function lookup(channel, address, refresh) {
  const seq = ++cp.seq;
  showError(findError);
  if (!refresh) findResults.replaceChildren(h('p', {}, 'Looking up…'));
  const view = { contactPoints: [{ channel, contactPoint: address }] };
  const [records, contact] = await Promise.allSettled([
    api('GET', 'consents', { query: { channel, contactPoint: address } }),
    api('POST', 'contact-view', { body: view }),
    state.ready,
  ]);
  if (seq !== cp.seq) return;
  const point = contact.status === 'fulfilled' ? contact.value?.contactPoints?.[0] : undefined;
  if (point?.valid === false) {
    const text = `“${address}” is not a valid address for ${words(channel)}.`;
    return findResults.replaceChildren(h('p', { class: 'notice' }, text));
  }
  if (records.status === 'rejected' || contact.status === 'rejected') {
    showError(
      findError,
      records.status === 'rejected' ? records.reason : /** @type {any} */ (contact).reason,
    );
    return findResults.replaceChildren();
  }
  Object.assign(cp, { channel, address: records.value.contactPoint, records: records.value.records });
  Object.assign(cp, { history: [], token: undefined });
  renderFind(point);
  refresh?.();
  loadHistory(seq);
}

/** @param {any} point */
function renderFind(point) {
  const writable = mayWrite();
  const rows = cp.records.map((r) => {
    /** @type {HTMLButtonElement | false} */
    const edit =
      writable &&
      button(
        ['Edit', h('span', { class: 'vh' }, ` ${plain(r.purposeId, r.topicId)}`)],
        () => openEditor(r, edit, editing),
        'small',
      );
    const reason = [words(r.reason), r.reasonDescription && h('span', { class: 'id' }, r.reasonDescription)];
    const value = [
      words(r.value),
      r.expiresAt && h('span', { class: 'id' }, 'until ', when(r.expiresAt)),
      r.confirmation && h('span', { class: 'id' }, 'confirmed ', when(r.confirmation.confirmedAt)),
    ];
    const facts = [value, words(r.status), words(r.source), reason];
    return [
      purposeName(r.purposeId),
      topicName(r.topicId),
      ...facts,
      when(r.modifiedAt),
      r.modifiedBy ?? '—',
      ...(writable ? [edit] : []),
    ];
  });
  const headers = [
    'Purpose',
    'Topic',
    'Value',
    'Status',
    'Source',
    'Reason',
    'Modified',
    'By',
    ...(writable ? ['Change'] : []),
  ];
  /** @type {HTMLButtonElement | false} */
  const add = writable && button('Add a record', () => openEditor(null, add, editing), 'secondary');
  editorBox.replaceChildren();
  historyBox.replaceChildren(h('p', {}, 'Loading history…'));
  findResults.replaceChildren(
    h('p', { class: 'cp' }, `${words(cp.channel)}: `, h('strong', {}, cp.address)),
    erasedNotice(point?.erased),
    suppressionNotice(point?.suppression),
    recordsHeading,
    rows.length ? table('Records of this contact point', headers, rows) : h('p', {}, 'No records yet.'),
    add || '',
    editorBox,
    heading(2, 'What will send'),
    ...(point?.profiles?.length ? point.profiles.map(profileView) : [h('p', {}, 'No profile applies.')]),
    heading(2, 'History'),
    historyBox,
    subjectPanel(cp, () => editing.reload()),
  );
}

/** How a cap's rolling window reads after "2 of 3". */
/** @type {Record<string, string>} */
const CAP_WINDOW_WORDS = {
  day: 'today (24 hours)',
  week: 'this week (7 days)',
  month: 'this month (30 days)',
};

/**
 * The address is suppressed on its channel: nothing is sent to it, whatever the consent.
 * @param {{ kind: string, until?: string } | undefined} s
 */
function suppressionNotice(s) {
  if (!s) return '';
  const until = s.until ? ` until ${when(s.until)}` : '';
  return h(
    'p',
    { class: 'notice warn', role: 'status' },
    `Suppressed (${words(s.kind)})${until}: nothing is sent to this address.`,
  );
}

/** @param {boolean} yes @param {string} [ok] @param {string} [no] */
const verdict = (yes, ok = 'Will send', no = 'Will not send') =>
  h('span', { class: yes ? 'badge yes' : 'badge no' }, yes ? ok : no);
/** @param {string[] | undefined} codes */
function whyNot(codes) {
  const items = (codes ?? []).map((code) => h('li', {}, WHY[code] ?? words(code), ' ', h('code', {}, code)));
  return items.length ? h('div', { class: 'why' }, 'Why not:', h('ul', {}, items)) : '';
}
/**
 * One purpose, topic or tracking line: its name, what it is, the verdict, and why not.
 * @param {any} name @param {string[]} facts @param {boolean} yes @param {string[]} reasons
 * @param {string} [ok] @param {string} [no]
 */
function judged(name, facts, yes, reasons, ok, no) {
  return [h('p', {}, name, facts.map((f) => ` · ${f}`).join(''), ' ', verdict(yes, ok, no)), whyNot(reasons)];
}

/** @param {any} p */
function profileView(p) {
  const profile = state.profiles.find((x) => x.id === p.profileId);
  const consent = (/** @type {string} */ c) => `consent: ${words(c)}`;
  const purposes = p.purposes.map((/** @type {any} */ u) => {
    const topics = (u.topics ?? []).map((/** @type {any} */ t) =>
      h('li', {}, judged(topicAbout(t.topicId), [consent(t.consent)], t.willSend, t.reasons)),
    );
    const facts = [u.type, words(u.enforcement), consent(u.consent)];
    return h(
      'li',
      {},
      judged(h('strong', {}, purposeAbout(u.purposeId)), facts, u.willSend, u.reasons),
      topics.length ? h('ul', {}, topics) : '',
    );
  });
  const t = p.tracking;
  return h(
    'section',
    { class: 'card' },
    h('h3', {}, profile ? `${profile.name} (${p.profileId})` : p.profileId),
    h(
      'ul',
      { class: 'summary' },
      h('li', {}, 'Commercial: ', verdict(p.willSendCommercial)),
      h('li', {}, 'Transactional: ', verdict(p.willSendTransactional)),
      h('li', {}, 'Tracking: ', verdict(p.willTrack, 'Will track', 'Will not track')),
      ...(p.frequencyCaps ?? []).map((/** @type {any} */ c) =>
        h('li', { class: 'cap' }, `${c.sent} of ${c.limit} ${CAP_WINDOW_WORDS[c.window] ?? c.window}`),
      ),
    ),
    h(
      'ul',
      { class: 'purposes' },
      purposes,
      t &&
        h(
          'li',
          {},
          judged(
            h('strong', {}, purposeName(t.purposeId)),
            ['tracking', words(t.enforcement), consent(t.consent)],
            t.willTrack,
            t.reasons,
            'Will track',
            'Will not track',
          ),
        ),
    ),
  );
}

/** History: newest first, 20 at a time; "Load more" follows the continuation token. */
async function loadHistory(seq = cp.seq) {
  showError(historyError);
  try {
    const query = { channel: cp.channel, contactPoint: cp.address, limit: 20, continuationToken: cp.token };
    const data = await api('GET', 'consents/history', { query });
    if (seq !== cp.seq) return;
    cp.history.push(...data.entries);
    cp.token = data.continuationToken;
  } catch (err) {
    if (seq !== cp.seq) return;
    showError(historyError, err);
  }
  const hadFocus = document.activeElement?.classList.contains('more');
  /** @param {any} b @param {any} a */
  const change = (b, a) => [
    `${b ? words(b.value) : 'No record'} → ${words(a.value)}`,
    ['status', 'reason', 'reasonDescription', 'source']
      .filter((f) => b && b[f] !== a[f])
      .map((f) => h('span', { class: 'id' }, `${f}: ${b[f] ?? '—'} → ${a[f] ?? '—'}`)),
  ];
  const rows = cp.history.map((e) => [
    when(e.at),
    purposeName(e.purposeId),
    topicName(e.topicId),
    change(e.before, e.after),
    e.actor,
    words(e.source),
  ]);
  const end = h('p', { class: 'end', tabindex: '-1' }, rows.length ? 'End of history.' : 'No history yet.');
  const more = cp.token ? button('Load more history', () => loadHistory(), 'secondary more') : end;
  historyBox.replaceChildren(
    historyError,
    rows.length
      ? table(
          'History of this contact point',
          ['When', 'Purpose', 'Topic', 'Change', 'Actor', 'Source'],
          rows,
        )
      : '',
    more,
  );
  if (hadFocus) more.focus();
}
