import type { Catalog } from '../domain/catalog';
import type { ContactPointParser } from '../domain/contact-point';
import type { Profile } from '../domain/model';
import type { ConsentRecordInput } from '../api/consents/consents.schemas';
import type { KeywordMatch } from '../domain/keywords';

/** A text message as a provider delivers it. */
export interface InboundText {
  from: string;
  to: string;
  message: string;
  /** Twilio's `OptOutType`, when Advanced Opt-Out recognised a keyword. */
  optOutType?: string;
  /** When the provider received it (RFC 3339); absent = when the service receives it. */
  receivedAt?: string;
  /** The provider's id of this message (`twilio:<MessageSid>`): a second delivery changes nothing. */
  eventId?: string;
}

/**
 * A number a provider sent, in E.164, read as every sms contact point is read (a number without `+`
 * is a national number of the default region), so a STOP lands on the contact point `/api/check`
 * looks up. Providers send international numbers, some without the `+` (`447911123456`): when the
 * digits are no valid national number but are a valid international one, that reading is taken.
 */
export function phoneNumberOf(raw: string, parser: ContactPointParser): string | undefined {
  const read = parser.parse('sms', raw);
  if (read.ok) return read.address;
  const digits = raw.trim();
  if (!/^[1-9]\d{6,14}$/.test(digits)) return undefined;
  const international = parser.parse('sms', `+${digits}`);
  return international.ok ? international.address : undefined;
}

/** The profiles a text sent to `to` reaches: the one claiming the number, else every profile. */
export function profilesReachedAt(catalog: Catalog, to: string | undefined): Profile[] {
  const claimed = to === undefined ? undefined : catalog.smsNumbers.get(to);
  return claimed ? [claimed] : [...catalog.profiles.values()];
}

/**
 * The profiles a keyword acts on: the one claiming the number it was sent to; when none does, a STOP
 * acts on every profile (an opt-out must never be lost) and a START on none (nobody can be opted in
 * to brands they never texted).
 */
export function profilesForKeyword(catalog: Catalog, to: string | undefined, match: KeywordMatch): Profile[] {
  const claimed = to === undefined ? undefined : catalog.smsNumbers.get(to);
  if (claimed) return [claimed];
  return match.action === 'optOut' ? [...catalog.profiles.values()] : [];
}

/**
 * The records an opt-out or opt-in keyword writes: every commercial and transactional purpose of the
 * profiles reached, on `sms`, for the sender. One contact point, so one upsert commits them at once.
 */
export function keywordRecords(
  catalog: Catalog,
  text: { sender: string; to: string; match: KeywordMatch; capturedAt?: string },
  parser: ContactPointParser,
  /** The profiles the caller may write (a scoped delivery identity); every one by default. */
  reaches: (profileId: string) => boolean = () => true,
): ConsentRecordInput[] {
  if (text.match.action === 'help') return [];
  const value = text.match.action === 'optOut' ? 'optedOut' : 'optedIn';
  const to = phoneNumberOf(text.to, parser);
  // Short codes and sender ids are no phone numbers, yet worth naming; anything else is not kept.
  const shown = to ?? (/^[0-9A-Za-z]{1,16}$/.test(text.to.trim()) ? text.to.trim() : 'another number');
  // The same description for the same keyword to the same number: a repeated delivery is `unchanged`.
  const reasonDescription = `${text.match.keyword} texted to ${shown}`;
  return profilesForKeyword(catalog, to, text.match)
    .filter((profile) => reaches(profile.id))
    .flatMap((profile) =>
      profile.purposes
        .filter((purpose) => purpose.type === 'commercial' || purpose.type === 'transactional')
        .map((purpose) => ({
          channel: 'sms' as const,
          contactPoint: text.sender,
          purposeId: purpose.id,
          value,
          source: 'textMessage' as const,
          reason: 'noReasons' as const,
          reasonDescription,
          status: 'active' as const,
          ...(text.capturedAt !== undefined ? { capturedAt: text.capturedAt } : {}),
        })),
    );
}
