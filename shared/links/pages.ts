import { maskAddress } from '../domain/contact-point';
import type { Profile } from '../domain/model';
import type { MessageKey } from '../i18n/catalogs/en';
import { translate } from '../i18n/translate';
import { escapeHtml, html, SafeHtml } from '../web/html';
import type { ConfirmationView } from './confirmations';
import type { PreferencesView, ResolvedLink } from './link-service';
import { localizeLink, type PageLocale } from './page-language';

/** Token pages live at `/api/<page>/<token>`: assets and sibling pages are reached relatively. */
const ASSETS = '../assets';

/** A page's words: its locale's catalog, every value escaped. */
function wordsOf(locale: PageLocale) {
  const t = (key: MessageKey, values: Record<string, string | number> = {}) =>
    new SafeHtml(translate(locale.tag, key, values));
  // On a right-to-left page an address keeps its own direction (Unicode isolates).
  const address = (text: string) => (locale.rtl ? `\u2068${maskAddress(text)}\u2069` : maskAddress(text));
  return {
    t,
    text: (key: MessageKey, values?: Record<string, string | number>) => t(key, values).text,
    address,
  };
}

/** The language switcher: plain links (no script), the current language marked. */
function switcher(locale: PageLocale): SafeHtml | '' {
  if (locale.languages.length < 2) return '';
  const label = (tag: string) => new Intl.DisplayNames([tag], { type: 'language' }).of(tag) ?? tag;
  return html`<nav class="languages" aria-label="${translate(locale.tag, 'language')}">
    ${locale.languages.map((tag) =>
      tag === locale.tag
        ? html`<span lang="${tag}" aria-current="true">${label(tag)}</span>`
        : html`<a href="?lang=${encodeURIComponent(tag)}" lang="${tag}" hreflang="${tag}">${label(tag)}</a>`,
    )}
  </nav>`;
}

function layout(
  locale: PageLocale,
  title: string,
  profile: Profile | undefined,
  content: SafeHtml,
): SafeHtml {
  const open = locale.rtl
    ? new SafeHtml(`<html lang="${escapeHtml(locale.tag)}" dir="rtl">`)
    : new SafeHtml(`<html lang="${escapeHtml(locale.tag)}">`);
  return html`${open}
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      <title>${title}${profile ? ` | ${profile.name}` : ''}</title>
      <link rel="stylesheet" href="${ASSETS}/pages.css" />
    </head>
    <body>
      <header>${profile ? profile.name : translate(locale.tag, 'consent')}${switcher(locale)}</header>
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
function whatStops(link: ResolvedLink, locale: PageLocale): string {
  const channel = link.contactPoint.channel;
  const named = link.topic ?? link.purpose;
  return named
    ? translate(locale.tag, 'whatNamed', { name: named.name, channel })
    : translate(locale.tag, 'whatAll', { channel });
}

/** Said truthfully when some of what a link names is sent whatever consent says on its channel. */
function unaffectedNote(link: ResolvedLink, locale: PageLocale, done: boolean): SafeHtml | '' {
  if (link.unaffected.length === 0) return '';
  const { t } = wordsOf(locale);
  const names = link.unaffected.map((p) => p.name).join(', ');
  const what = translate(locale.tag, 'whatNamed', { name: names, channel: link.contactPoint.channel });
  return html`<p class="notice">
    ${t('unaffected', { what: plain(what), brand: link.profile.name })}
    ${t(done ? 'choiceRecorded' : 'choiceStillRecorded')}
  </p>`;
}

/** Whether unsubscribing through the link stops anything at all. */
const stopsSomething = (link: ResolvedLink) =>
  link.purpose
    ? link.unaffected.length === 0
    : link.unaffected.length < link.profile.purposes.filter((p) => p.type === 'commercial').length;

export function unsubscribeConfirmPage(given: ResolvedLink, locale: PageLocale): SafeHtml {
  const link = localizeLink(given, locale.tag);
  const { t, text, address } = wordsOf(locale);
  return layout(
    locale,
    text('unsubscribeTitle'),
    link.profile,
    html`<h1>${t('unsubscribeTitle')}</h1>
      <p>
        ${new SafeHtml(
          translate(locale.tag, 'unsubscribeQuestion', {
            what: plain(whatStops(link, locale)),
            brand: link.profile.name,
            address: address(link.contactPoint.address),
          }),
        )}
      </p>
      ${unaffectedNote(link, locale, false)}
      <form method="post">
        <input type="hidden" name="List-Unsubscribe" value="One-Click" />
        <button type="submit">${t('unsubscribeButton')}</button>
      </form>
      <p>
        <a class="action" href="../preferences/${link.token}${langQuery(locale)}">${t('chooseInstead')}</a>
      </p>`,
  );
}

export function unsubscribedPage(given: ResolvedLink, locale: PageLocale): SafeHtml {
  const link = localizeLink(given, locale.tag);
  const { t, text, address } = wordsOf(locale);
  const who = address(link.contactPoint.address);
  return layout(
    locale,
    text('unsubscribedTitle'),
    link.profile,
    html`<h1>${t('unsubscribedTitle')}</h1>
      ${
        stopsSomething(link)
          ? html`<p role="status">
              ${t('unsubscribedDone', { address: who, what: plain(whatStops(link, locale)), brand: link.profile.name })}
            </p>`
          : html`<p role="status">${t('choiceRecordedFor', { address: who })}</p>`
      }
      ${unaffectedNote(link, locale, true)}
      <p><a class="action" href="../preferences/${link.token}${langQuery(locale)}">${t('manageAll')}</a></p>`,
  );
}

/** The page's language carried on to the next page when it was chosen. */
const langQuery = (locale: PageLocale) =>
  locale.languages.length > 1 ? `?lang=${encodeURIComponent(locale.tag)}` : '';

/** Text already formatted (HTML) handed to another message as a value: back to plain text first. */
const plain = (formatted: string) =>
  formatted
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** What a confirmation opts in to, in words. */
function whatStarts(view: ConfirmationView, link: ResolvedLink, locale: PageLocale): string {
  const channel = link.contactPoint.channel;
  if (link.topic) return translate(locale.tag, 'whatNamed', { name: link.topic.name, channel });
  if (link.purpose?.type === 'tracking')
    return translate(locale.tag, 'whatTracking', { brand: link.profile.name, channel });
  return translate(locale.tag, 'whatNamed', { name: link.purpose?.name ?? link.profile.name, channel });
}

export function confirmPage(view: ConfirmationView, locale: PageLocale): SafeHtml {
  if (view.pending.confirmedAt !== undefined) return confirmedPage(view, true, locale);
  const link = localizeLink(view.link, locale.tag);
  const { t, text, address } = wordsOf(locale);
  return layout(
    locale,
    text('confirmTitle'),
    link.profile,
    html`<h1>${t('confirmTitle')}</h1>
      <p>
        ${t('confirmQuestion', {
          what: plain(whatStarts(view, link, locale)),
          brand: link.profile.name,
          address: address(link.contactPoint.address),
        })}
      </p>
      <form method="post">
        <button type="submit">${t('confirmButton')}</button>
      </form>
      <p>${t('confirmIgnore')}</p>`,
  );
}

export function confirmedPage(view: ConfirmationView, repeated: boolean, locale: PageLocale): SafeHtml {
  const link = localizeLink(view.link, locale.tag);
  const { t, text, address } = wordsOf(locale);
  const on = view.pending.confirmedAt
    ? new Intl.DateTimeFormat(locale.tag, { dateStyle: 'long', timeZone: 'UTC' }).format(
        Date.parse(view.pending.confirmedAt),
      )
    : '';
  return layout(
    locale,
    text(repeated ? 'alreadyConfirmedTitle' : 'confirmedTitle'),
    link.profile,
    html`<h1>${t(repeated ? 'alreadyConfirmedTitle' : 'confirmedTitle')}</h1>
      <p role="status">
        ${
          repeated
            ? t('confirmedRepeated', { date: on })
            : t('confirmedDone', {
                what: plain(whatStarts(view, link, locale)),
                brand: link.profile.name,
                address: address(link.contactPoint.address),
              })
        }
      </p>`,
  );
}

/** The same page for every kind of bad link: it says the link is not valid and reveals nothing else. */
export function linkErrorPage(status: number, locale: PageLocale): SafeHtml {
  const [title, body]: [MessageKey, MessageKey] =
    status === 404
      ? ['notValidTitle', 'notValidText']
      : status === 503
        ? ['retryTitle', 'retryText']
        : status >= 500
          ? ['failedTitle', 'failedText']
          : ['refusedTitle', 'refusedText'];
  const { t, text } = wordsOf(locale);
  return layout(
    locale,
    text(title),
    undefined,
    html`<h1>${t(title)}</h1>
      <p>${t(body)}</p>`,
  );
}

function checkbox(
  id: string,
  name: string,
  checked: boolean,
  label: SafeHtml | string,
  description?: string,
  topic = false,
): SafeHtml {
  const about = description ? html` aria-describedby="${id}-about"` : '';
  return html`<div class="choice${topic ? ' topic' : ''}">
    <input type="checkbox" id="${id}" name="${name}" value="on" ${checked ? html`checked` : ''}${about} />
    <label for="${id}">${label}</label>
    ${description ? html`<p class="about" id="${id}-about">${description}</p>` : ''}
  </div>`;
}

export function preferencesPage(
  view: PreferencesView,
  locale: PageLocale,
  saved?: { changed: number; outdated: boolean },
): SafeHtml {
  const { prefill } = view;
  const link = localizeLink(view.link, locale.tag);
  const { t, text, address } = wordsOf(locale);
  const byId = new Map(
    link.profile.purposes.flatMap((p) => [
      [`p:${p.id}`, p] as const,
      ...(p.topics ?? []).map((topic) => [`t:${topic.id}`, topic] as const),
    ]),
  );
  const channel = link.contactPoint.channel;
  return layout(
    locale,
    text('preferencesTitle'),
    link.profile,
    html`<h1>${t('preferencesTitle')}</h1>
      <p>
        ${t('preferencesIntro', {
          messages: plain(translate(locale.tag, 'messages', { channel })),
          brand: link.profile.name,
          address: address(link.contactPoint.address),
        })}
      </p>
      ${
        saved
          ? html`<p class="notice" role="status">
              ${
                saved.outdated
                  ? t('preferencesOutdated')
                  : saved.changed === 0
                    ? t('preferencesUnchanged')
                    : t('preferencesSaved', { count: saved.changed })
              }
            </p>`
          : ''
      }
      <form method="post">
        <input type="hidden" name="shown" value="${view.shown}" />
        ${prefill.purposes.map((purpose, i) => {
          const p = byId.get(`p:${purpose.purposeId}`);
          const name = p?.name ?? purpose.purposeId;
          return html`<fieldset>
            <legend>${name}</legend>
            ${checkbox(
              `p${i}`,
              `purpose:${purpose.purposeId}`,
              purpose.optedIn,
              t('receive', { what: plain(translate(locale.tag, 'whatNamed', { name, channel })) }),
              p?.description,
            )}
            ${purpose.topics.map((topic, j) => {
              const named = byId.get(`t:${topic.topicId}`);
              return checkbox(
                `p${i}t${j}`,
                `topic:${topic.topicId}`,
                topic.optedIn,
                named?.name ?? topic.topicId,
                named?.description,
                true,
              );
            })}
          </fieldset>`;
        })}
        <fieldset>
          <legend>${t('tracking')}</legend>
          ${checkbox('tracking', 'tracking', prefill.tracking.optedIn, t('trackingChoice', { brand: link.profile.name, channel }))}
        </fieldset>
        <button type="submit">${t('save')}</button>
      </form>`,
  );
}
