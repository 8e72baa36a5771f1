import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import type { Channel } from './model';

export const MAX_CUSTOM_ADDRESS_LENGTH = 512;
export const MAX_RAW_CONTACT_POINT_LENGTH = 1024;

export type NormalizedContactPoint =
  { ok: true; channel: Channel; address: string } | { ok: false; message: string };

// RFC 5322 dot-atom local part; the domain is a host name (labels of letters, digits, hyphens,
// or an internationalized label). Deliberately not a "web form" check.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;
const DOMAIN_LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;

function normalizeEmail(raw: string): NormalizedContactPoint {
  const address = raw.trim().toLowerCase();
  if (address.length > 254) return { ok: false, message: 'an email address has at most 254 characters' };
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return { ok: false, message: 'not an email address' };
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64) return { ok: false, message: 'the local part has at most 64 characters' };
  if (!LOCAL_PART.test(local)) return { ok: false, message: 'the local part is not a valid dot-atom' };
  const labels = domain.split('.');
  if (domain.length > 253 || !labels.every((label) => DOMAIN_LABEL.test(label))) {
    return { ok: false, message: 'the domain is not a host name' };
  }
  return { ok: true, channel: 'email', address };
}

function normalizePhone(channel: Channel, raw: string, defaultRegion: string): NormalizedContactPoint {
  const text = raw.trim();
  if (text.length === 0 || text.length > 64) return { ok: false, message: 'not a phone number' };
  try {
    const phone = parsePhoneNumberWithError(text, defaultRegion as CountryCode);
    if (!phone.isValid()) return { ok: false, message: 'not a valid phone number' };
    return { ok: true, channel, address: phone.number };
  } catch {
    return { ok: false, message: 'not a phone number' };
  }
}

/**
 * The one spelling under which a contact point is stored and looked up: lower-cased email,
 * E.164 phone numbers, trimmed custom addresses.
 */
export function normalizeContactPoint(
  channel: Channel,
  raw: string,
  defaultRegion: string,
): NormalizedContactPoint {
  if (raw.length > MAX_RAW_CONTACT_POINT_LENGTH) return { ok: false, message: 'the address is too long' };
  switch (channel) {
    case 'email':
      return normalizeEmail(raw);
    case 'sms':
    case 'voice':
      return normalizePhone(channel, raw, defaultRegion);
    case 'custom': {
      const address = raw.trim();
      if (address.length === 0) return { ok: false, message: 'the address is empty' };
      if (!address.isWellFormed()) return { ok: false, message: 'the address is not valid Unicode' };
      if (address.length > MAX_CUSTOM_ADDRESS_LENGTH) {
        return { ok: false, message: `a custom address has at most ${MAX_CUSTOM_ADDRESS_LENGTH} characters` };
      }
      return { ok: true, channel, address };
    }
  }
}

/** For logs: enough to correlate, never the address itself. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at > 0) return `${address[0]}***@${address.slice(at + 1)}`;
  return address.length <= 4 ? '***' : `***${address.slice(-2)}`;
}
