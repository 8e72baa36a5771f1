import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { LinkKey } from './link-token';

/**
 * What a preference page showed, carried in its form and signed: the POST writes only the choices
 * the person changed from it, so a change made meanwhile (a one-click unsubscribe, a text STOP,
 * another tab) stays. Bound to the link's token, so it cannot be moved to another person's page.
 *
 * Layout: `<key id>.<base64url of JSON [[field, 0|1], ...]>.<base64url HMAC-SHA-256>`.
 */
export type ShownChoices = ReadonlyMap<string, boolean>;

const MAX_FIELDS = 6000;

function macKey(key: LinkKey): Buffer {
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(key.secret, 'utf8'), '', `shown-choices v1 ${key.id}`, 32),
  );
}

function mac(key: LinkKey, token: string, payload: string): Buffer {
  return createHmac('sha256', macKey(key)).update(`${token}\n${payload}`, 'utf8').digest();
}

export function sealShownChoices(shown: ShownChoices, token: string, key: LinkKey): string {
  const payload = Buffer.from(
    JSON.stringify([...shown].map(([field, checked]) => [field, checked ? 1 : 0])),
    'utf8',
  ).toString('base64url');
  return `${key.id}.${payload}.${mac(key, token, payload).toString('base64url')}`;
}

/** The choices a form showed, if `sealed` is what this service put in that link's page; never throws. */
export function openShownChoices(
  sealed: string | null,
  token: string,
  keys: readonly LinkKey[],
): ShownChoices | undefined {
  if (sealed === null || sealed.length > 200_000) return undefined;
  const [id, payload, signature, ...rest] = sealed.split('.');
  const key = keys.find((k) => k.id === id);
  if (!key || payload === undefined || signature === undefined || rest.length > 0) return undefined;
  const expected = mac(key, token, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const entries = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(entries) || entries.length > MAX_FIELDS) return undefined;
    const shown = new Map<string, boolean>();
    for (const entry of entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || (entry[1] !== 0 && entry[1] !== 1))
        return undefined;
      shown.set(entry[0], entry[1] === 1);
    }
    return shown;
  } catch {
    return undefined;
  }
}
