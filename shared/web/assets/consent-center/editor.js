// @ts-check
/*
 * Editing one record as a named actor: the outcome in the status line, problems by path. Every save
 * carries what the editor showed (ifVersion): if the record changed since (the person opted out
 * meanwhile), nothing is written and the editor opens again on the record as it is now, saying so.
 */
import { api, keepActor, showError, state } from './api.js';
import { plain } from './catalog.js';
import { REASONS, SOURCES, STATUSES, VALUES, words } from './codes.js';
import { alertBox, announce, button, field, fieldError, h, heading, select } from './dom.js';

/**
 * @typedef {{ cp: { channel: string, address: string, records: any[] }, box: HTMLElement,
 *   recordsHeading: HTMLElement, reload: (then?: () => void) => Promise<void> }} Editing
 */

/**
 * @param {any} record the record shown, or null to add one
 * @param {HTMLElement | false} opener what gets the focus back on Cancel
 * @param {Editing} editing
 * @param {string} [conflict] why the editor opened again
 */
export function openEditor(record, opener, editing, conflict) {
  const { cp, box, recordsHeading } = editing;
  // Under Entra ID the actor is the signed-in identity; the name typed here is whom it acts for.
  const signedIn = state.me?.authMode === 'entra' ? state.me : undefined;
  const actor = h('input', {
    type: 'text',
    autocomplete: 'name',
    maxlength: '256',
    value: state.actor,
    required: !signedIn,
  });
  actor.addEventListener('input', () => keepActor(actor.value.trim()));
  const have = new Set(cp.records.map((r) => `${r.purposeId} ${r.topicId}`));
  /** @type {Array<{ purposeId: string, topicId?: string }>} */
  const targets = [];
  const target = h('select', {});
  for (const profile of record ? [] : state.profiles) {
    const group = h('optgroup', { label: profile.name });
    for (const p of profile.purposes)
      for (const t of [undefined, ...(p.topics ?? [])]) {
        if (have.has(`${p.id} ${t?.id}`)) continue;
        group.append(h('option', { value: targets.length }, t ? `${p.name} › ${t.name}` : p.name));
        targets.push({ purposeId: p.id, ...(t ? { topicId: t.id } : {}) });
      }
    if (group.childElementCount) target.append(group);
  }
  const value = select(VALUES, record?.value ?? 'optedIn');
  const reason = select(REASONS, record?.reason ?? 'noReasons');
  const description = h('input', { type: 'text', maxlength: '1000', value: record?.reasonDescription ?? '' });
  const recordStatus = select(STATUSES, record?.status ?? 'active');
  const source = select(SOURCES, record?.source ?? 'internal');
  /** @type {Record<string, HTMLElement>} */
  const controls = { value, reason, reasonDescription: description, status: recordStatus, source };
  Object.assign(controls, { 'x-consent-actor': actor, purposeId: target, topicId: target });
  const formError = alertBox();
  const head = heading(2, record ? `Edit ${plain(record.purposeId, record.topicId)}` : 'Add a record');
  const close = () => {
    box.replaceChildren();
    (opener && opener.isConnected ? opener : recordsHeading).focus();
  };
  let busy = false;
  /** @param {Event} e */
  async function save(e) {
    e.preventDefault();
    for (const c of Object.values(controls)) fieldError(c);
    showError(formError);
    const name = actor.value.trim();
    const chosen = record ?? targets[Number(target.value)];
    if ((!name && !signedIn) || /[^\x20-\x7e\xa0-\xff]/.test(name)) {
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
    /** @type {Record<string, unknown>} */
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
      const data = await api('POST', 'consents', { body, ...(name ? { actor: name } : {}) });
      const outcome = data.results[0].outcome;
      if (outcome === 'conflict') {
        const now = data.results[0].record;
        const text = now
          ? `Nothing was written: ${now.modifiedBy} changed this record after you opened it. It is now ${words(now.value)}. Check it and save again if your change still applies.`
          : 'Nothing was written: this record changed after you opened it. Check it and save again.';
        announce(`Outcome: conflict. ${text}`);
        return await editing.reload(() => {
          const fresh = cp.records.find(
            (r) => r.purposeId === body.purposeId && (r.topicId ?? null) === (body.topicId ?? null),
          );
          openEditor(fresh ?? null, recordsHeading, editing, text);
        });
      }
      /** @type {Record<string, string>} */
      const said = {
        created: `${plain(String(body.purposeId), /** @type {string} */ (body.topicId))} is recorded as ${words(String(body.value))}.`,
        updated: `${plain(String(body.purposeId), /** @type {string} */ (body.topicId))} is now ${words(String(body.value))}.`,
        unchanged: 'Nothing differed, so nothing was written.',
        stale: 'The stored record was captured later, so nothing was written.',
      };
      announce(`Outcome: ${outcome}. ${said[outcome] ?? ''}`);
      await editing.reload(() => recordsHeading.focus());
    } catch (err) {
      const problem = /** @type {any} */ (err);
      /** @type {HTMLElement | undefined} */
      let first;
      for (const { path, message } of problem.problem?.errors ?? []) {
        const control = controls[String(path).replace(/^records\[\d+\]\./, '')];
        if (!control?.id) continue;
        fieldError(control, message);
        first ??= control;
      }
      showError(formError, err);
      if (problem.status !== 401) (first ?? head).focus();
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
    signedIn
      ? field(
          'On behalf of (optional)',
          actor,
          `Recorded as ${signedIn.actor}; a name here is kept as whom you acted for`,
        )
      : field('Actor', actor, 'Your name, recorded as who made the change'),
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
  box.replaceChildren(h('section', { class: 'card' }, head, form));
  if (conflict) formError.replaceChildren(h('p', {}, conflict));
  head.focus();
}
