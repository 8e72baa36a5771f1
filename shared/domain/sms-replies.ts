import { keywordsFor } from './keywords';
import type { Profile, SmsReplies } from './model';

/*
 * Replies to text keywords (API.md, Languages): what carriers require of a HELP reply (CTIA): the
 * program's name, how to get help, how to opt out, and "Msg & data rates may apply".
 */

const CONTACT = [
  /[^\s@]+@[^\s@]+\.[^\s@]+/u, // an email address
  /\b(?:https?:\/\/|www\.)\S+/iu, // a web address
  /\+?\d[\d\s().-]{5,}\d/u, // a phone number or short code
];
const RATES = /\b(?:msg|message)s?\s*(?:&|and)\s*data\s*rates\s*may\s*apply\b/iu;
const OPT_OUT_WORDS = new Set(keywordsFor('optOut').map((k) => k.normalize('NFKC').toLowerCase()));
const words = (text: string) =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}-]+/u);

/** What a HELP reply lacks (empty when it has all that carriers require). */
export function helpReplyProblems(text: string, programName: string, requireRates: boolean): string[] {
  const problems: string[] = [];
  if (!text.toLowerCase().includes(programName.toLowerCase()))
    problems.push(`must name the program ("${programName}")`);
  if (!CONTACT.some((pattern) => pattern.test(text)))
    problems.push('must say where to get help: an email address, a web address or a phone number');
  if (!words(text).some((word) => OPT_OUT_WORDS.has(word)))
    problems.push('must say how to opt out, naming a keyword such as STOP');
  if (requireRates && !RATES.test(text)) problems.push('must say "Msg & data rates may apply"');
  return problems;
}

/** Every HELP reply of a profile checked: its own (in full), and each translation's (but the rates phrase). */
export function smsReplyProblems(profile: Profile): Array<{ path: string; message: string }> {
  const check = (replies: SmsReplies | undefined, name: string, path: string, requireRates: boolean) =>
    replies?.helpText === undefined
      ? []
      : helpReplyProblems(replies.helpText, name, requireRates).map((message) => ({ path, message }));
  return [
    ...check(profile.sms, profile.name, 'sms.helpText', true),
    ...Object.entries(profile.translations ?? {}).flatMap(([tag, t]) =>
      check(t.sms, t.name ?? profile.name, `translations.${tag}.sms.helpText`, false),
    ),
  ];
}

/** Translations that name purposes or topics the profile does not have. */
export function translationProblems(profile: Profile): Array<{ path: string; message: string }> {
  const purposes = new Set(profile.purposes.map((p) => p.id));
  const topics = new Set(profile.purposes.flatMap((p) => (p.topics ?? []).map((t) => t.id)));
  return Object.entries(profile.translations ?? {}).flatMap(([tag, t]) => [
    ...Object.keys(t.purposes ?? {})
      .filter((id) => !purposes.has(id))
      .map((id) => ({
        path: `translations.${tag}.purposes.${id}`,
        message: 'the profile has no such purpose',
      })),
    ...Object.keys(t.topics ?? {})
      .filter((id) => !topics.has(id))
      .map((id) => ({ path: `translations.${tag}.topics.${id}`, message: 'the profile has no such topic' })),
  ]);
}

/** The reply to a keyword sent to a profile's number, in the keyword's language when translated. */
export function keywordReply(
  profile: Profile,
  action: 'optOut' | 'optIn' | 'help',
  language: string | undefined,
): string | undefined {
  const key = action === 'optOut' ? 'stopText' : action === 'optIn' ? 'startText' : 'helpText';
  const translated = language
    ? Object.entries(profile.translations ?? {}).find(([tag]) => tag.split('-')[0] === language)?.[1].sms?.[
        key
      ]
    : undefined;
  return translated ?? profile.sms?.[key];
}
