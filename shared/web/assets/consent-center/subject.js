// @ts-check
/*
 * A person's data subject requests on the contact point shown: export everything held (a JSON
 * download) and erase it, after typing the address to confirm. Offered only to roles that allow them.
 */
import { api, keepActor, showError, state } from './api.js';
import { alertBox, announce, button, field, fieldError, h, heading, when } from './dom.js';

/** Whether the caller may erase: always with a key; under entra with Subjects.Erase (or Admin) for every profile. */
const mayErase = () =>
  state.me?.authMode !== 'entra' ||
  state.me.roles.some((r) => r === 'Subjects.Erase' || r === 'Consent.Admin');
/** Whether the caller may export: any reading role (a scoped one exports its profiles' part). */
const mayExport = () =>
  state.me?.authMode !== 'entra' ||
  state.me.roles.some((r) => /^(Consent\.Read|Consent\.Admin)(:|$)/.test(r));

/**
 * That the person had the address erased, when and by whom.
 * @param {{ at: string, actor: string } | undefined} erased
 */
export const erasedNotice = (erased) =>
  erased
    ? h(
        'p',
        { class: 'notice' },
        'Erased on ',
        when(erased.at),
        ` by ${erased.actor}. `,
        'Commercial messages stay blocked until the person opts in again themselves.',
      )
    : '';

/**
 * The data subject panel of a contact point: its export and erasure.
 * @param {{ channel: string, address: string }} cp @param {() => void} reload
 */
export function subjectPanel(cp, reload) {
  const box = alertBox();
  // Who asks is audited: under Entra ID the signed-in identity (a name here is whom it acts for).
  const signedIn = state.me?.authMode === 'entra' ? state.me : undefined;
  const actor = h('input', { type: 'text', autocomplete: 'name', maxlength: '256', value: state.actor });
  actor.addEventListener('input', () => keepActor(actor.value.trim()));
  /** The name to send, or undefined after saying at the field why there is none. */
  const who = () => {
    const name = actor.value.trim();
    const bad = (!name && !signedIn) || /[^\x20-\x7e\xa0-\xff]/.test(name);
    fieldError(
      actor,
      !bad
        ? ''
        : name
          ? 'Use Latin letters, digits and punctuation only.'
          : 'Enter your name: it is audited.',
    );
    if (bad) actor.focus();
    return bad ? undefined : name;
  };
  const actorField = signedIn
    ? field(
        'On behalf of (optional)',
        actor,
        `Audited as ${signedIn.actor}; a name here is kept as whom you acted for`,
      )
    : field('Your name', actor, 'Recorded in the audit as who asked');
  /** @type {HTMLButtonElement | false} */
  const exportButton =
    mayExport() && button('Export (JSON)', () => download(cp, box, exportButton, who), 'secondary');
  const eraseBox = h('div');
  /** @type {HTMLButtonElement | false} */
  const eraseButton =
    mayErase() &&
    button(
      'Erase this contact point…',
      () => {
        if (eraseButton) eraseButton.hidden = true;
        eraseBox.replaceChildren(
          eraseForm(cp, box, reload, who, () => {
            eraseBox.replaceChildren();
            if (eraseButton) {
              eraseButton.hidden = false;
              eraseButton.focus();
            }
          }),
        );
        eraseBox.querySelector('input')?.focus();
      },
      'secondary',
    );
  return h(
    'section',
    { class: 'card subject', 'aria-labelledby': 'subject-heading' },
    Object.assign(heading(2, 'Personal data'), { id: 'subject-heading' }),
    box,
    exportButton || eraseButton ? actorField : '',
    exportButton || '',
    eraseButton || '',
    eraseBox,
  );
}

/**
 * @param {{ channel: string, address: string }} cp @param {HTMLElement} box @param {any} trigger
 * @param {() => string | undefined} who
 */
async function download(cp, box, trigger, who) {
  const name = who();
  if (name === undefined) return;
  showError(box);
  trigger.disabled = true;
  try {
    const data = await api('POST', 'subjects/export', {
      body: { contactPoints: [{ channel: cp.channel, contactPoint: cp.address }] },
      ...(name ? { actor: name } : {}),
    });
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
    const link = h('a', {
      href: URL.createObjectURL(blob),
      download: `export-${cp.channel}-${data.exportedAt.slice(0, 10)}.json`,
    });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    announce('Exported: the download holds everything the service keeps about this contact point.');
  } catch (err) {
    showError(box, err);
  } finally {
    trigger.disabled = false;
  }
}

/**
 * The erase confirmation: what it does, the address typed again, an optional reference.
 * @param {{ channel: string, address: string }} cp @param {HTMLElement} box
 * @param {() => void} reload @param {() => string | undefined} who @param {() => void} cancel
 */
function eraseForm(cp, box, reload, who, cancel) {
  const typed = h('input', {
    type: 'text',
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
  });
  const reason = h('input', { type: 'text', maxlength: '1000' });
  const form = h(
    'form',
    { class: 'erase' },
    h(
      'p',
      {},
      'Erasing deletes every record, every history entry and every pending confirmation of ',
      h('strong', {}, cp.address),
      '. It cannot be undone. What stays is a tombstone without the address, ',
      'which keeps commercial messages blocked in every profile until the person opts in again.',
    ),
    field('Type the address to confirm', typed),
    field('Reference (optional)', reason, 'The request’s reference, for the audit. No personal data.'),
    h('button', { class: 'danger' }, 'Erase permanently'),
    button('Cancel', cancel, 'secondary'),
  );
  form.addEventListener('submit', async (/** @type {Event} */ e) => {
    e.preventDefault();
    const same = typed.value.trim().toLowerCase() === cp.address.toLowerCase();
    fieldError(typed, same ? '' : 'Type the address exactly as shown.');
    if (!same) return typed.focus();
    const name = who();
    if (name === undefined) return;
    showError(box);
    try {
      const text = reason.value.trim();
      await api('POST', 'subjects/erase', {
        body: {
          contactPoints: [{ channel: cp.channel, contactPoint: cp.address }],
          ...(text ? { reason: text } : {}),
        },
        ...(name ? { actor: name } : {}),
      });
      announce(`Erased ${cp.address}.`);
      reload();
    } catch (err) {
      showError(box, err);
    }
  });
  return form;
}
