import { maskAddress } from '../domain/contact-point';
import type { Profile } from '../domain/model';
import { html, type SafeHtml } from '../web/html';
import type { ConfirmationView } from './confirmations';
import { messagesOn, type PreferencesView, type ResolvedLink } from './link-service';

/** Token pages live at `/api/<page>/<token>`: assets and sibling pages are reached relatively. */
const ASSETS = '../assets';

function layout(title: string, profile: Profile | undefined, content: SafeHtml): SafeHtml {
  return html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      <title>${title}${profile ? ` | ${profile.name}` : ''}</title>
      <link rel="stylesheet" href="${ASSETS}/pages.css" />
    </head>
    <body>
      <header>${profile ? profile.name : 'Consent'}</header>
      <main>${content}</main>
      ${
        profile
          ? html`<footer>
              <p>${profile.name}${profile.companyAddress ? html`<br />${profile.companyAddress}` : ''}</p>
            </footer>`
          : ''
      }
    </body>
  </html>`;
}

/** What an unsubscribe stops: the topic, the purpose, or all commercial messages of the profile. */
function whatStops(link: ResolvedLink): string {
  const messages = messagesOn(link.contactPoint.channel);
  if (link.topic) return `${link.topic.name} ${messages}`;
  if (link.purpose) return `${link.purpose.name} ${messages}`;
  return `all marketing ${messages}`;
}

/** Said truthfully when some of what a link names is sent whatever consent says on its channel. */
function unaffectedNote(link: ResolvedLink, done: boolean): SafeHtml | '' {
  if (link.unaffected.length === 0) return '';
  const messages = messagesOn(link.contactPoint.channel);
  const names = link.unaffected.map((p) => p.name).join(', ');
  return html`<p class="notice">
    ${names} ${messages} from ${link.profile.name} do not depend on this choice and will continue.
    ${done ? 'Your choice is recorded.' : 'Your choice will still be recorded.'}
  </p>`;
}

/** Whether unsubscribing through the link stops anything at all. */
const stopsSomething = (link: ResolvedLink) =>
  link.purpose
    ? link.unaffected.length === 0
    : link.unaffected.length < link.profile.purposes.filter((p) => p.type === 'commercial').length;

export function unsubscribeConfirmPage(link: ResolvedLink): SafeHtml {
  return layout(
    'Unsubscribe',
    link.profile,
    html`<h1>Unsubscribe</h1>
      <p>
        Stop <strong>${whatStops(link)}</strong> from ${link.profile.name} to
        <strong>${maskAddress(link.contactPoint.address)}</strong>?
      </p>
      ${unaffectedNote(link, false)}
      <form method="post">
        <input type="hidden" name="List-Unsubscribe" value="One-Click" />
        <button type="submit">Unsubscribe</button>
      </form>
      <p><a class="action" href="../preferences/${link.token}">Choose what you receive instead</a></p>`,
  );
}

export function unsubscribedPage(link: ResolvedLink): SafeHtml {
  return layout(
    'Unsubscribed',
    link.profile,
    html`<h1>You are unsubscribed</h1>
      ${
        stopsSomething(link)
          ? html`<p role="status">
              ${maskAddress(link.contactPoint.address)} will no longer receive ${whatStops(link)} from
              ${link.profile.name}.
            </p>`
          : html`<p role="status">Your choice for ${maskAddress(link.contactPoint.address)} is recorded.</p>`
      }
      ${unaffectedNote(link, true)}
      <p><a class="action" href="../preferences/${link.token}">Manage all your preferences</a></p>`,
  );
}

/** What a confirmation opts in to, in words. */
function whatStarts(view: ConfirmationView): string {
  const { link } = view;
  const messages = messagesOn(link.contactPoint.channel);
  if (link.topic) return `${link.topic.name} ${messages}`;
  if (link.purpose?.type === 'tracking')
    return `${link.profile.name} seeing when you open its ${messages} and follow their links`;
  return `${link.purpose?.name ?? 'its'} ${messages}`;
}

export function confirmPage(view: ConfirmationView): SafeHtml {
  const { link, pending } = view;
  if (pending.confirmedAt !== undefined) return confirmedPage(view, true);
  return layout(
    'Please confirm',
    link.profile,
    html`<h1>Please confirm</h1>
      <p>
        Agree to <strong>${whatStarts(view)}</strong> from ${link.profile.name} at
        <strong>${maskAddress(link.contactPoint.address)}</strong>?
      </p>
      <form method="post">
        <button type="submit">Confirm</button>
      </form>
      <p>If you did not ask for this, ignore it: nothing changes unless you confirm.</p>`,
  );
}

export function confirmedPage(view: ConfirmationView, repeated: boolean): SafeHtml {
  const { link, pending } = view;
  const on = (pending.confirmedAt ?? '').slice(0, 10);
  return layout(
    'Confirmed',
    link.profile,
    html`<h1>${repeated ? 'Already confirmed' : 'Thank you'}</h1>
      <p role="status">
        ${
          repeated
            ? `You confirmed this on ${on}. A choice you made after that still stands.`
            : `You agreed to ${whatStarts(view)} from ${link.profile.name} at ${maskAddress(link.contactPoint.address)}.`
        }
      </p>`,
  );
}

/** The same page for every kind of bad link: it says the link is not valid and reveals nothing else. */
export function linkErrorPage(status: number): SafeHtml {
  const [title, text] =
    status === 404
      ? [
          'This link is not valid',
          'The link may have expired or been mistyped. Use the newest message you received.',
        ]
      : status === 503
        ? [
            'Please try again',
            'We could not complete this just now. Nothing was changed; please try again in a minute.',
          ]
        : status >= 500
          ? ['Something went wrong', 'Nothing was changed. Please try again later.']
          : ['This request cannot be handled', 'Nothing was changed.'];
  return layout(
    title,
    undefined,
    html`<h1>${title}</h1>
      <p>${text}</p>`,
  );
}

function checkbox(id: string, name: string, checked: boolean, label: string, topic = false): SafeHtml {
  return html`<div class="choice${topic ? ' topic' : ''}">
    <input type="checkbox" id="${id}" name="${name}" value="on" ${checked ? html`checked` : ''} />
    <label for="${id}">${label}</label>
  </div>`;
}

export function preferencesPage(
  view: PreferencesView,
  saved?: { changed: number; outdated: boolean },
): SafeHtml {
  const { link, prefill } = view;
  const names = new Map(
    link.profile.purposes.flatMap((p) => [
      [`p:${p.id}`, p.name],
      ...(p.topics ?? []).map((t) => [`t:${t.id}`, t.name] as const),
    ]),
  );
  const messages = messagesOn(link.contactPoint.channel);
  return layout(
    'Your preferences',
    link.profile,
    html`<h1>Your preferences</h1>
      <p>
        Choose which ${messages} ${link.profile.name} sends to
        <strong>${maskAddress(link.contactPoint.address)}</strong>.
      </p>
      ${
        saved
          ? html`<p class="notice" role="status">
              ${
                saved.outdated
                  ? 'Nothing was saved: the page was out of date. These are your choices now; change them and save again.'
                  : saved.changed === 0
                    ? 'Nothing to change: your preferences are saved.'
                    : 'Your preferences are saved.'
              }
            </p>`
          : ''
      }
      <form method="post">
        <input type="hidden" name="shown" value="${view.shown}" />
        ${prefill.purposes.map(
          (purpose, i) =>
            html`<fieldset>
              <legend>${names.get(`p:${purpose.purposeId}`)}</legend>
              ${checkbox(`p${i}`, `purpose:${purpose.purposeId}`, purpose.optedIn, `Receive ${names.get(`p:${purpose.purposeId}`)} ${messages}`)}
              ${purpose.topics.map((topic, j) =>
                checkbox(
                  `p${i}t${j}`,
                  `topic:${topic.topicId}`,
                  topic.optedIn,
                  names.get(`t:${topic.topicId}`) ?? topic.topicId,
                  true,
                ),
              )}
            </fieldset>`,
        )}
        <fieldset>
          <legend>Tracking</legend>
          ${checkbox('tracking', 'tracking', prefill.tracking.optedIn, `Let ${link.profile.name} see when you open its ${messages} and follow their links`)}
        </fieldset>
        <button type="submit">Save preferences</button>
      </form>`,
  );
}
