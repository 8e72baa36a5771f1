import { domainToASCII, domainToUnicode } from 'node:url';
import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import type { Channel } from './model';

export const MAX_CUSTOM_ADDRESS_LENGTH = 512;
export const MAX_RAW_CONTACT_POINT_LENGTH = 1024;

/** One address on one channel, normalized: what consent is stored for. */
export interface ContactPoint {
  channel: Channel;
  address: string;
}

export type NormalizedContactPoint =
  { ok: true; channel: Channel; address: string } | { ok: false; message: string };

// RFC 5322 dot-atom local part (RFC 6531 lets it hold non-ASCII letters, marks and digits too).
// Deliberately not a "web form" check.
const LOCAL_PART = /^[\p{L}\p{M}\p{N}!#$%&'*+\-/=?^_`{|}~]+(?:\.[\p{L}\p{M}\p{N}!#$%&'*+\-/=?^_`{|}~]+)*$/u;
/** A label of a host name in its ASCII (A-label) form. */
const ASCII_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const utf8Length = (text: string) => new TextEncoder().encode(text).length;

/**
 * The domain as browsers map host names (UTS #46, what WHATWG URL does): full-width letters,
 * case, NFD and A-label spellings all become one name, kept in its Unicode form. `undefined` when
 * the mapping rejects it or the result is not a host name.
 */
function normalizeDomain(domain: string): { unicode: string; ascii: string } | undefined {
  if (domain === '' || /[\s\p{Cc}]/u.test(domain)) return undefined;
  const ascii = domainToASCII(domain);
  if (ascii === '' || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (!labels.every((label) => ASCII_LABEL.test(label))) return undefined;
  // An all-digit last label is an IPv4 address, not a host name.
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return undefined;
  const unicode = domainToUnicode(ascii);
  return unicode === '' ? undefined : { unicode, ascii };
}

function normalizeEmail(raw: string): NormalizedContactPoint {
  const address = raw.trim();
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return { ok: false, message: 'not an email address' };
  const local = address.slice(0, at).normalize('NFC').toLowerCase().normalize('NFC');
  if (utf8Length(local) > 64) return { ok: false, message: 'the local part has at most 64 characters' };
  if (!LOCAL_PART.test(local)) return { ok: false, message: 'the local part is not a valid dot-atom' };
  const domain = normalizeDomain(address.slice(at + 1));
  if (!domain) return { ok: false, message: 'the domain is not a host name' };
  if (utf8Length(local) + 1 + domain.ascii.length > 254) {
    return { ok: false, message: 'an email address has at most 254 characters' };
  }
  return { ok: true, channel: 'email', address: `${local}@${domain.unicode}` };
}

/**
 * The whole value must be the number (never extracted from text around it). Text messages take no
 * extension; a voice number keeps one (RFC 3966), so two extensions are two contact points.
 */
function normalizePhone(channel: Channel, raw: string, defaultRegion: string): NormalizedContactPoint {
  const text = raw.trim();
  if (text.length === 0 || text.length > 64) return { ok: false, message: 'not a phone number' };
  try {
    const phone = parsePhoneNumberWithError(text, {
      defaultCountry: defaultRegion as CountryCode,
      extract: false,
    });
    if (!phone.isValid()) return { ok: false, message: 'not a valid phone number' };
    if (phone.ext === undefined) return { ok: true, channel, address: phone.number };
    if (channel === 'sms') return { ok: false, message: 'a text message number has no extension' };
    return { ok: true, channel, address: `${phone.number};ext=${phone.ext}` };
  } catch {
    return { ok: false, message: 'not a phone number' };
  }
}

/**
 * The one spelling under which a contact point is stored and looked up: email with an NFC,
 * lower-cased local part and a UTS #46 domain in Unicode form, E.164 phone numbers, trimmed custom
 * addresses.
 */
export function normalizeContactPoint(
  channel: Channel,
  raw: string,
  defaultRegion: string,
): NormalizedContactPoint {
  if (raw.length > MAX_RAW_CONTACT_POINT_LENGTH) return { ok: false, message: 'the address is too long' };
  if (!raw.isWellFormed()) return { ok: false, message: 'the address is not valid Unicode' };
  switch (channel) {
    case 'email':
      return normalizeEmail(raw);
    case 'sms':
    case 'voice':
      return normalizePhone(channel, raw, defaultRegion);
    case 'custom': {
      const address = raw.trim();
      if (address.length === 0) return { ok: false, message: 'the address is empty' };
      if (address.length > MAX_CUSTOM_ADDRESS_LENGTH) {
        return { ok: false, message: `a custom address has at most ${MAX_CUSTOM_ADDRESS_LENGTH} characters` };
      }
      return { ok: true, channel, address };
    }
  }
}

/** Reads contact points with the service's default region for phone numbers without a country code. */
export interface ContactPointParser {
  /** The one spelling of an address on a channel, or why it is not one. */
  parse(channel: Channel, raw: string): NormalizedContactPoint;
  /** The region numbers without a country code belong to. */
  readonly defaultRegion: string;
}

export function contactPointParser(defaultRegion: string): ContactPointParser {
  return { defaultRegion, parse: (channel, raw) => normalizeContactPoint(channel, raw, defaultRegion) };
}

/** One contact point's identity as a map key: its channel and normalized address. */
export function contactPointId(contactPoint: ContactPoint): string {
  return `${contactPoint.channel}\u0000${contactPoint.address}`;
}

/** For logs and pages: enough to recognise, never the address itself. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at > 0) return `${[...address][0]}***@${address.slice(at + 1)}`;
  return address.length <= 4 ? '***' : `***${address.slice(-2)}`;
}
