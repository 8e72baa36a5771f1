/*
 * The consent center, the admin page over the consent API: no framework, no build step, no data of
 * its own. The function key (kept for this tab only) or the App Service sign-in reaches the API, and
 * every view is built with createElement and textContent, so nothing the API says becomes markup.
 */
const API = new URL('.', location.href);
const KEY = 'consent-center.key';
const ACTOR = 'consent-center.actor';

const CHANNELS = ['email', 'sms', 'voice', 'custom'];
const VALUES = ['optedIn', 'optedOut', 'notSet'];
const STATUSES = ['active', 'inactive'];
const SOURCES =
  'internal preferencePage textMessage loaded preferenceCenter form subscriptionCenter listUnsubscribe';
const REASONS = `noReasons optInAdvertisement optInLandingPage optInEvents optOutContentIrrelevant optOutTooFrequent
  optOutDidNotRecallSigningUp optOutPrivacyConcerns optOutOneClickUnsubscribe`;
/** A code in words: `optOutTooFrequent` is "Opt out too frequent". */
const words = (code) =>
  code == null
    ? '—'
    : code === 'sms'
      ? 'SMS'
      : code.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`).replace(/^./, (c) => c.toUpperCase());
/** Why a message will not be sent or tracked, in words; the code is shown beside them. */
const WHY = {
  'purpose-opted-out': 'Opted out of this purpose',
  'purpose-opt-in-required': 'This purpose needs an opt-in and there is none',
  'purpose-opt-in-expired': 'The opt-in to this purpose has expired',
  'topic-opted-out': 'Opted out of this topic',
  'topic-opt-in-required': 'This topic needs an opt-in and there is none',
  'topic-opt-in-expired': 'The opt-in to this topic has expired',
  'contact-do-not-email': 'The contact is marked “do not email”',
  'contact-do-not-bulk-email': 'The contact is marked “do not bulk email”',
  'contact-do-not-track': 'The contact is marked “do not track”',
  'unknown-profile': 'The profile does not exist',
  'unknown-purpose': 'The purpose does not exist',
  'unknown-topic': 'The topic does not exist',
  'purpose-not-sendable': 'Messages are not sent for the tracking purpose',
  'invalid-contact-point': 'The address is not valid',
  'tracking-opted-out': 'Opted out of tracking',
  'tracking-opt-in-required': 'Tracking needs an opt-in and there is none',
  'tracking-opt-in-expired': 'The opt-in to tracking has expired',
  'not-sent': 'Nothing is sent, so nothing is tracked',
};
const VIEWS = { find: 'Find', list: 'List', profiles: 'Profiles', key: 'Access' };

function stored(item, value) {
  try {
    if (value === undefined) return sessionStorage.getItem(item);
    if (value) sessionStorage.setItem(item, value);
    else sessionStorage.removeItem(item);
  } catch {
    // storage turned off: the value lasts as long as the page
  }
  return null;
}

const state = { principal: '', refused: false, key: stored(KEY), actor: stored(ACTOR) ?? '', profiles: [] };
state.ready = Promise.resolve();
const authorized = () => Boolean(state.key || (state.principal && !state.refused));

// DOM: elements, text and attributes only

let uid = 0;
function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  el.append(...kids.flat(9).filter((k) => k != null && k !== false));
  for (const [name, v] of Object.entries(props ?? {})) {
    if (v == null || v === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), v);
    else if (name === 'class') el.className = v;
    else if (name === 'value' || name === 'hidden') el[name] = v;
    else el.setAttribute(name, v === true ? '' : v);
  }
  return el;
}
const heading = (level, text) => h(`h${level}`, { tabindex: '-1' }, text);
const alertBox = () => h('div', { class: 'error', role: 'alert' });
const button = (text, onclick, cls) => h('button', { type: 'button', class: cls, onclick }, text);
const choices = (codes) => (codes.split?.(/\s+/) ?? codes).map((v) => h('option', { value: v }, words(v)));
const select = (codes, value, any) =>
  h('select', { value: value ?? '' }, any && h('option', { value: '' }, any), choices(codes));

/** A labelled control with an optional hint and a place for its own error, both described by it. */
function field(label, control, hint) {
  const id = (control.id ||= `cc${++uid}`);
  const hintEl = hint && h('p', { class: 'hint', id: `${id}-hint` }, hint);
  control.setAttribute('aria-describedby', `${hint ? `${id}-hint ` : ''}${id}-error`);
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  return h('div', { class: 'field' }, h('label', { for: id }, label), hintEl, control, error);
}
function fieldError(control, message = '') {
  const error = document.getElementById(`${control.id}-error`);
  if (!error) return;
  error.textContent = message;
  error.hidden = !message;
  if (message) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

const dates = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
function when(iso) {
  const date = new Date(iso ?? NaN);
  return Number.isNaN(date.getTime()) ? (iso ?? '—') : h('time', { datetime: iso }, dates.format(date));
}

/** A table that scrolls sideways inside its own focusable region, named by its caption. */
function table(caption, headers, rows) {
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

const status = h('p', { class: 'status', role: 'status' });
const announce = (text) => (status.textContent = text);

function showError(box, err) {
  const problem = err?.problem ?? {};
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  const items = errors.map((e) => h('li', {}, h('code', {}, String(e.path || '(body)')), `: ${e.message}`));
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

// The API: the key as x-functions-key; a 401 asks for the key; a problem becomes an ApiError

class ApiError extends Error {
  constructor(status, problem) {
    super(problem.title ?? status);
    Object.assign(this, { status, problem });
  }
}

async function api(method, path, { query = {}, body, actor, probe } = {}) {
  const url = new URL(path, API);
  for (const [name, v] of Object.entries(query))
    if (v !== undefined && v !== '') url.searchParams.set(name, v);
  const headers = { accept: 'application/json' };
  if (state.key) headers['x-functions-key'] = state.key;
  if (body) headers['content-type'] = 'application/json';
  if (actor) headers['x-consent-actor'] = actor;
  let response;
  try {
    response = await fetch(url, { method, headers, body: body && JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, { title: 'The service could not be reached.', detail: 'Try again.' });
  }
  let data = null;
  try {
    data = JSON.parse(await response.text());
  } catch {
    // an empty body (the host's own refusals) or not JSON
  }
  if (response.status === 401 && !probe) refused();
  if (!response.ok) throw new ApiError(response.status, data?.constructor === Object ? data : {});
  return data;
}

/** A 401: the key (or the sign-in) does not open the API, so ask for the key. */
function refused() {
  if (!authorized()) return show('key');
  if (state.key) {
    state.keyMessage = 'The function key was refused (401). Enter the key again.';
    state.key = stored(KEY, '');
  } else {
    state.refused = true;
    state.keyMessage = 'The API did not accept your sign-in (401). Enter the function key.';
  }
  updateWho();
  show('key');
}

// Profiles: names for ids, and choices for the forms

function catalog(id, topic) {
  for (const profile of state.profiles)
    for (const p of profile.purposes) {
      if (!topic && p.id === id) return p;
      for (const t of topic ? (p.topics ?? []) : []) if (t.id === id) return t;
    }
}
/** A name, with its id beside it when they differ. */
function named(thing, id) {
  if (id == null) return '—';
  return h('span', {}, thing?.name ?? id, thing && thing.name !== id ? h('span', { class: 'id' }, id) : '');
}
const purposeName = (id) => named(catalog(id), id);
const topicName = (id) => named(catalog(id, true), id);
const plain = (purposeId, topicId) =>
  [catalog(purposeId)?.name ?? purposeId, topicId && (catalog(topicId, true)?.name ?? topicId)]
    .filter(Boolean)
    .join(' › ');

function loadProfiles() {
  return (state.ready = api('GET', 'profiles')
    .then((data) => setProfiles(data.profiles))
    .catch((err) => showError(profilesError, err)));
}
function setProfiles(profiles) {
  state.profiles = profiles ?? [];
  showError(profilesError);
  renderProfiles();
  fillFilters();
}

// The shell: a nav of views before main, one section per view, the status line

const app = document.getElementById('app');
const who = document.getElementById('who');
const links = {};
const sections = {};
for (const [view, label] of Object.entries(VIEWS)) {
  links[view] = h('a', { href: `#/${view}` }, label);
  links[view].addEventListener('click', (e) => {
    if (location.hash !== `#/${view}`) return;
    e.preventDefault();
    show(view);
  });
  sections[view] = h('section', { hidden: true });
}
const navList = h(
  'ul',
  {},
  Object.values(links).map((a) => h('li', {}, a)),
);

const viewFromHash = () => (Object.hasOwn(VIEWS, location.hash.slice(2)) ? location.hash.slice(2) : 'find');
const go = (view) => (location.hash === `#/${view}` ? show(view) : (location.hash = `#/${view}`));
function show(view, focus = true) {
  if (!authorized()) view = 'key';
  state.view = view;
  for (const [name, section] of Object.entries(sections)) section.hidden = name !== view;
  for (const [name, a] of Object.entries(links)) {
    a.parentElement.hidden = !authorized() && name !== 'key';
    if (name === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${VIEWS[view]} · Consent center`;
  if (view === 'key') renderKey();
  if (focus) sections[view].querySelector('h1').focus();
}
function updateWho() {
  const parts = [
    state.principal && `Signed in as ${state.principal}`,
    state.key && 'Using a function key (this tab only)',
  ];
  who.textContent = parts.filter(Boolean).join(' · ') || 'Not signed in';
}

// Access: the key prompt, or how the API is reached

const keyError = alertBox();
const keyBody = h('div');
sections.key.append(heading(1, 'Access'), keyError, keyBody);

function renderKey() {
  keyError.replaceChildren(state.keyMessage ? h('p', {}, state.keyMessage) : '');
  keyBody.replaceChildren(
    state.principal && !state.refused
      ? h('p', {}, `Signed in as ${state.principal}: the API is called with your sign-in.`)
      : '',
    state.key ? h('p', {}, 'A function key is kept for this tab only and sent with every call.') : '',
    state.key ? button('Forget key', forgetKey) : '',
    authorized() ? '' : keyForm(),
  );
}

function keyForm() {
  const input = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', required: true });
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
      stored(KEY, key);
      Object.assign(state, { keyMessage: '', ready: Promise.resolve() });
      updateWho();
      announce('Key accepted.');
      setProfiles(data.profiles);
      go(viewFromHash() === 'key' ? 'find' : viewFromHash());
    } catch (err) {
      state.key = before;
      if (err.status === 401) fieldError(input, 'That key was refused (401). Check it and try again.');
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
  state.key = stored(KEY, '');
  state.keyMessage = '';
  updateWho();
  announce('The key is forgotten.');
  show('key');
}

// Find: a contact point's records, what will send per profile and why not, edits, history

const cp = { seq: 0, records: [], history: [] };
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
findForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const address = findAddress.value.trim();
  fieldError(findAddress, address ? '' : 'Enter an address.');
  if (address) lookup(findChannel.value, address);
  else findAddress.focus();
});
sections.find.append(heading(1, 'Find a contact point'), findForm, findError, findResults);

function openContactPoint(channel, address) {
  findChannel.value = channel;
  findAddress.value = address;
  go('find');
  lookup(channel, address);
}

/** Records, contact view and history of a contact point; `refresh` keeps the page until they come. */
async function lookup(channel, address, refresh) {
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
  const point = contact.value?.contactPoints?.[0];
  if (point?.valid === false) {
    const text = `“${address}” is not a valid address for ${words(channel)}.`;
    return findResults.replaceChildren(h('p', { class: 'notice' }, text));
  }
  const failed = [records, contact].find((r) => r.status === 'rejected');
  if (failed) {
    showError(findError, failed.reason);
    return findResults.replaceChildren();
  }
  Object.assign(cp, { channel, address: records.value.contactPoint, records: records.value.records });
  Object.assign(cp, { history: [], token: undefined });
  renderFind(point);
  refresh?.();
  loadHistory(seq);
}

function renderFind(point) {
  const rows = cp.records.map((r) => {
    const edit = button(
      ['Edit', h('span', { class: 'vh' }, ` ${plain(r.purposeId, r.topicId)}`)],
      () => openEditor(r, edit),
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
      edit,
    ];
  });
  const headers = ['Purpose', 'Topic', 'Value', 'Status', 'Source', 'Reason', 'Modified', 'By', 'Change'];
  const add = button('Add a record', () => openEditor(null, add), 'secondary');
  editorBox.replaceChildren();
  historyBox.replaceChildren(h('p', {}, 'Loading history…'));
  findResults.replaceChildren(
    h('p', { class: 'cp' }, `${words(cp.channel)}: `, h('strong', {}, cp.address)),
    recordsHeading,
    rows.length ? table('Records of this contact point', headers, rows) : h('p', {}, 'No records yet.'),
    add,
    editorBox,
    heading(2, 'What will send'),
    ...(point?.profiles?.length ? point.profiles.map(profileView) : [h('p', {}, 'No profile applies.')]),
    heading(2, 'History'),
    historyBox,
  );
}

const verdict = (yes, ok = 'Will send', no = 'Will not send') =>
  h('span', { class: yes ? 'badge yes' : 'badge no' }, yes ? ok : no);
function whyNot(codes) {
  const items = (codes ?? []).map((code) => h('li', {}, WHY[code] ?? words(code), ' ', h('code', {}, code)));
  return items.length ? h('div', { class: 'why' }, 'Why not:', h('ul', {}, items)) : '';
}
/** One purpose, topic or tracking line: its name, what it is, the verdict, and why not. */
function judged(name, facts, yes, reasons, ok, no) {
  return [h('p', {}, name, facts.map((f) => ` · ${f}`).join(''), ' ', verdict(yes, ok, no)), whyNot(reasons)];
}
function profileView(p) {
  const profile = state.profiles.find((x) => x.id === p.profileId);
  const consent = (c) => `consent: ${words(c)}`;
  const purposes = p.purposes.map((u) => {
    const topics = (u.topics ?? []).map((t) =>
      h('li', {}, judged(topicName(t.topicId), [consent(t.consent)], t.willSend, t.reasons)),
    );
    const facts = [u.type, words(u.enforcement), consent(u.consent)];
    return h(
      'li',
      {},
      judged(h('strong', {}, purposeName(u.purposeId)), facts, u.willSend, u.reasons),
      topics.length ? h('ul', {}, topics) : '',
    );
  });
  const t = p.tracking;
  const tracking = t && [
    h('strong', {}, purposeName(t.purposeId)),
    ['tracking', words(t.enforcement), consent(t.consent)],
  ];
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
    ),
    h(
      'ul',
      { class: 'purposes' },
      purposes,
      t && h('li', {}, judged(...tracking, t.willTrack, t.reasons, 'Will track', 'Will not track')),
    ),
  );
}

// History: newest first, 20 at a time; "Load more" follows the continuation token.

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

// Editing one record as a named actor: the outcome in the status line, problems by path.

/**
 * The editor of one record (or of a new one). Every save carries what the editor showed (ifVersion):
 * if the record changed since (the person opted out meanwhile), nothing is written and the editor
 * opens again on the record as it is now, saying so.
 */
function openEditor(record, opener, conflict) {
  const actor = h('input', {
    type: 'text',
    autocomplete: 'name',
    maxlength: '256',
    value: state.actor,
    required: true,
  });
  actor.addEventListener('input', () => stored(ACTOR, (state.actor = actor.value.trim())));
  const have = new Set(cp.records.map((r) => `${r.purposeId} ${r.topicId}`));
  const targets = [];
  const target = h('select', {});
  for (const profile of record ? [] : state.profiles) {
    const group = h('optgroup', { label: profile.name });
    for (const p of profile.purposes)
      for (const t of [undefined, ...(p.topics ?? [])]) {
        if (have.has(`${p.id} ${t?.id}`)) continue;
        group.append(h('option', { value: targets.length }, t ? `${p.name} › ${t.name}` : p.name));
        targets.push({ purposeId: p.id, topicId: t?.id });
      }
    if (group.childElementCount) target.append(group);
  }
  const value = select(VALUES, record?.value ?? 'optedIn');
  const reason = select(REASONS, record?.reason ?? 'noReasons');
  const description = h('input', { type: 'text', maxlength: '1000', value: record?.reasonDescription ?? '' });
  const recordStatus = select(STATUSES, record?.status ?? 'active');
  const source = select(SOURCES, record?.source ?? 'internal');
  const controls = { value, reason, reasonDescription: description, status: recordStatus, source };
  Object.assign(controls, { 'x-consent-actor': actor, purposeId: target, topicId: target });
  const formError = alertBox();
  const head = heading(2, record ? `Edit ${plain(record.purposeId, record.topicId)}` : 'Add a record');
  const close = () => {
    editorBox.replaceChildren();
    (opener.isConnected ? opener : recordsHeading).focus();
  };
  let busy = false;
  async function save(e) {
    e.preventDefault();
    for (const c of Object.values(controls)) fieldError(c);
    showError(formError);
    const name = actor.value.trim();
    const chosen = record ?? targets[target.value];
    if (!name || /[^\x20-\x7e\xa0-\xff]/.test(name)) {
      fieldError(
        actor,
        name
          ? 'Use Latin letters, digits and punctuation only.'
          : 'Enter your name: it is recorded with the change.',
      );
      return actor.focus();
    }
    if (!chosen || busy) return;
    const desc = description.value.trim();
    const body = {
      channel: cp.channel,
      contactPoint: cp.address,
      purposeId: chosen.purposeId,
      topicId: chosen.topicId,
    };
    Object.assign(body, {
      value: value.value,
      reason: reason.value,
      status: recordStatus.value,
      source: source.value,
    });
    if (desc) body.reasonDescription = desc;
    if (record?.owner) body.owner = record.owner;
    // What the editor showed: the record at this version, or none at all. With the value kept, the
    // service takes it as an edit of what is said about it (the opt-in keeps its capture and expiry).
    body.ifVersion = record ? record.version : null;
    busy = true;
    try {
      const data = await api('POST', 'consents', { body, actor: name });
      const outcome = data.results[0].outcome;
      if (outcome === 'conflict') {
        const now = data.results[0].record;
        const text = now
          ? `Nothing was written: ${now.modifiedBy} changed this record after you opened it. It is now ${words(now.value)}. Check it and save again if your change still applies.`
          : 'Nothing was written: this record changed after you opened it. Check it and save again.';
        announce(`Outcome: conflict. ${text}`);
        return await lookup(cp.channel, cp.address, () => {
          const fresh = cp.records.find(
            (r) => r.purposeId === body.purposeId && (r.topicId ?? null) === (body.topicId ?? null),
          );
          openEditor(fresh ?? null, recordsHeading, text);
        });
      }
      const said = {
        created: `${plain(body.purposeId, body.topicId)} is recorded as ${words(body.value)}.`,
        updated: `${plain(body.purposeId, body.topicId)} is now ${words(body.value)}.`,
        unchanged: 'Nothing differed, so nothing was written.',
        stale: 'The stored record was captured later, so nothing was written.',
      };
      announce(`Outcome: ${outcome}. ${said[outcome] ?? ''}`);
      await lookup(cp.channel, cp.address, () => recordsHeading.focus());
    } catch (err) {
      let first;
      for (const { path, message } of err.problem?.errors ?? []) {
        const control = controls[String(path).replace(/^records\[\d+\]\./, '')];
        if (!control?.id) continue;
        fieldError(control, message);
        first ??= control;
      }
      showError(formError, err);
      if (err.status !== 401) (first ?? head).focus();
    } finally {
      busy = false;
    }
  }
  const pick = targets.length
    ? field('Purpose or topic', target)
    : h('p', {}, 'Every purpose and topic has a record.');
  const form = h(
    'form',
    { class: 'editor', onsubmit: save },
    formError,
    field('Actor', actor, 'Your name, recorded as who made the change'),
    record ? '' : pick,
    h(
      'div',
      { class: 'row' },
      field('Value', value),
      field('Reason', reason),
      field('Status', recordStatus),
      field('Source', source),
    ),
    field('Reason description (optional)', description),
    h(
      'div',
      { class: 'actions' },
      pick.tagName === 'P' && !record ? '' : h('button', {}, 'Save record'),
      button('Cancel', close, 'secondary'),
    ),
  );
  editorBox.replaceChildren(h('section', { class: 'card' }, head, form));
  if (conflict) formError.replaceChildren(h('p', {}, conflict));
  head.focus();
}

// List: every record matching the filters, a page at a time, with a stack of tokens for Previous

const list = { seq: 0, query: {}, tokens: [], page: 0 };
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
  const refill = (el, any, groups) => {
    const v = el.value;
    el.replaceChildren(h('option', { value: '' }, any), ...groups);
    el.value = v;
    el.value ||= '';
  };
  const option = (x) => h('option', { value: x.id }, `${x.name} (${x.id})`);
  const purposes = state.profiles.map((p) => h('optgroup', { label: p.name }, p.purposes.map(option)));
  const withTopics = state.profiles.flatMap((p) => p.purposes.filter((u) => u.topics?.length));
  refill(filters.purposeId, 'Any purpose', purposes);
  refill(
    filters.topicId,
    'Any topic',
    withTopics.map((u) => h('optgroup', { label: u.name }, u.topics.map(option))),
  );
}
fillFilters();

const filterForm = h(
  'form',
  { class: 'filters' },
  h('div', { class: 'grid' }, [
    ...['Channel', 'Purpose', 'Topic', 'Value', 'Source', 'Status', 'Modified since'].map((label, i) =>
      field(label, Object.values(filters)[i]),
    ),
    field('Page size', pageSize),
  ]),
  h('button', {}, 'Show records'),
);
filterForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const query = {};
  for (const [name, control] of Object.entries(filters)) if (control.value) query[name] = control.value;
  if (query.modifiedSince) query.modifiedSince = new Date(query.modifiedSince).toISOString();
  query.limit = pageSize.value;
  Object.assign(list, { query, tokens: [undefined], page: 0 });
  showPage(0);
});
sections.list.append(heading(1, 'Browse records'), filterForm, listError, listResults);

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
  else if (focused?.disabled) (other.disabled ? listHeading : other).focus();
}

// Profiles: every profile's purposes, types, topics and enforcement per channel

const profilesError = alertBox();
const profilesBody = h('div');
const reload = button(
  'Reload profiles',
  () => loadProfiles().then(() => announce('Profiles reloaded.')),
  'secondary',
);
sections.profiles.append(heading(1, 'Profiles'), reload, profilesError, profilesBody);

function renderProfiles() {
  const model = (enforcement, channel) => words(enforcement?.[channel] ?? enforcement);
  const headers = ['Purpose', 'Type', ...CHANNELS.map(words), 'Topics'];
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

// Start: the sign-in of App Service authentication if there is one, else the key

document.body.insertBefore(h('nav', { 'aria-label': 'Views', class: 'views' }, navList), app);
app.replaceChildren(status, ...Object.values(sections));
window.addEventListener('hashchange', () => show(viewFromHash()));
(async () => {
  try {
    const me = await (await fetch('/.auth/me', { headers: { accept: 'application/json' } })).json();
    if (typeof me?.[0]?.user_id === 'string') state.principal = me[0].user_id;
  } catch {
    // no App Service authentication here (locally a 404)
  }
  state.actor ||= state.principal;
  updateWho();
  show(viewFromHash(), false);
  if (authorized()) loadProfiles();
})();
