import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { CHANNELS, type Channel } from '../domain/model';

/**
 * Link tokens: opaque (encrypted, so the address cannot be read from a URL that ends up in proxy
 * and mail-scanner logs), authenticated (AES-256-GCM: any change makes them invalid), short, with an
 * optional expiry and a key id for rotation. Standard primitives only: each token is sealed under
 * its own key, derived with HKDF-SHA-256 from the signing secret and a random salt, so no key ever
 * encrypts two tokens and random nonces cannot collide.
 *
 * Layout (base64url): version (1) | key id length (1) | key id | salt (12) | ciphertext | tag (16).
 * The version and key id are authenticated as associated data. The plaintext:
 * flags (1: kind, channel, what it names, expiry present) | expiry (4, seconds, if present) |
 * profile reference (6) | purpose or topic reference (6, if any) | extra (kind-specific) | address.
 */
export type LinkKind = 'links' | 'confirm';
export type LinkTarget = 'profile' | 'purpose' | 'topic';

export interface LinkClaims {
  kind: LinkKind;
  channel: Channel;
  address: string;
  /** References (truncated SHA-256) of the profile and, when named, the purpose or topic. */
  profileRef: string;
  target: LinkTarget;
  targetRef?: string;
  /** Seconds since the epoch; absent: the link never expires. */
  expiresAt?: number;
  /** Kind-specific bytes (a confirmation names its request). */
  extra?: Buffer;
  /** The language the link was made for (a BCP 47 tag): its pages are served in it. */
  language?: string;
}

export type { SigningKey as LinkKey } from '../storage/catalog-store';
import type { SigningKey as LinkKey } from '../storage/catalog-store';

const VERSION = 1;
const SALT_BYTES = 12;
const TAG_BYTES = 16;
const REF_BYTES = 6;
const KINDS: readonly LinkKind[] = ['links', 'confirm'];
const TARGETS: readonly LinkTarget[] = ['profile', 'purpose', 'topic'];
/** Confirmation tokens carry their request's id. */
const EXTRA_BYTES: Record<LinkKind, number> = { links: 0, confirm: 8 };
export { KEY_ID_PATTERN } from '../config';

/** The 6-byte reference a token holds for a profile, purpose or topic id. */
export function idReference(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest().subarray(0, REF_BYTES).toString('hex');
}

function tokenKey(secret: string, salt: Buffer, keyId: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(secret, 'utf8'), salt, `consent-link v${VERSION} ${keyId}`, 32),
  );
}

export function sealLink(claims: LinkClaims, key: LinkKey): string {
  const address = Buffer.from(claims.address, 'utf8');
  const extra = claims.extra ?? Buffer.alloc(0);
  if (extra.length !== EXTRA_BYTES[claims.kind]) throw new RangeError('wrong extra length for this kind');
  const flags =
    KINDS.indexOf(claims.kind) |
    (CHANNELS.indexOf(claims.channel) << 2) |
    (TARGETS.indexOf(claims.target) << 4) |
    (claims.expiresAt !== undefined ? 1 << 6 : 0) |
    (claims.language !== undefined ? 1 << 7 : 0);
  const parts: Buffer[] = [Buffer.from([flags])];
  if (claims.expiresAt !== undefined) {
    const expiry = Buffer.alloc(4);
    expiry.writeUInt32BE(Math.max(0, Math.min(0xffffffff, Math.floor(claims.expiresAt))));
    parts.push(expiry);
  }
  if (claims.language !== undefined) {
    // Tokens made before languages have no such bit: they read as before.
    const language = Buffer.from(claims.language, 'ascii');
    if (language.length === 0 || language.length > 35)
      throw new RangeError('a language tag of 1..35 characters');
    parts.push(Buffer.from([language.length]), language);
  }
  parts.push(Buffer.from(claims.profileRef, 'hex'));
  if (claims.target !== 'profile') parts.push(Buffer.from(claims.targetRef!, 'hex'));
  parts.push(extra, address);

  const keyId = Buffer.from(key.id, 'ascii');
  const header = Buffer.from([VERSION, keyId.length]);
  const associated = Buffer.concat([header, keyId]);
  const salt = randomBytes(SALT_BYTES);
  const cipher = createCipheriv('aes-256-gcm', tokenKey(key.secret, salt, key.id), salt);
  cipher.setAAD(associated);
  const sealed = Buffer.concat([cipher.update(Buffer.concat(parts)), cipher.final()]);
  return Buffer.concat([associated, salt, sealed, cipher.getAuthTag()]).toString('base64url');
}

/** The claims of a token sealed with one of `keys`, or undefined for anything else (never throws). */
export function openLink(token: string, keys: readonly LinkKey[]): LinkClaims | undefined {
  if (token.length > 1000 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  // Base64 is malleable (a trailing character, unused low bits): only the canonical spelling of
  // the bytes is the token, so any change to the text makes it invalid.
  if (bytes.toString('base64url') !== token) return undefined;
  if (bytes.length < 2 || bytes[0] !== VERSION) return undefined;
  const idLength = bytes[1]!;
  const keyId = bytes.subarray(2, 2 + idLength).toString('ascii');
  const key = keys.find((k) => k.id === keyId);
  const bodyStart = 2 + idLength + SALT_BYTES;
  if (!key || bytes.length < bodyStart + TAG_BYTES + 1) return undefined;
  const salt = bytes.subarray(2 + idLength, bodyStart);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', tokenKey(key.secret, salt, key.id), salt);
    decipher.setAAD(bytes.subarray(0, 2 + idLength));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    plain = Buffer.concat([
      decipher.update(bytes.subarray(bodyStart, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    return undefined;
  }
  return parseClaims(plain);
}

function parseClaims(plain: Buffer): LinkClaims | undefined {
  const flags = plain[0]!;
  const kind = KINDS[flags & 0b11];
  const channel = CHANNELS[(flags >> 2) & 0b11];
  const target = TARGETS[(flags >> 4) & 0b11];
  if (!kind || !channel || !target) return undefined;
  let at = 1;
  let expiresAt: number | undefined;
  if (flags & (1 << 6)) {
    if (plain.length < at + 4) return undefined;
    expiresAt = plain.readUInt32BE(at);
    at += 4;
  }
  let language: string | undefined;
  if (flags & (1 << 7)) {
    const length = plain[at] ?? 0;
    if (length === 0 || plain.length < at + 1 + length) return undefined;
    language = plain.subarray(at + 1, at + 1 + length).toString('ascii');
    at += 1 + length;
  }
  const refs = target === 'profile' ? 1 : 2;
  const extraBytes = EXTRA_BYTES[kind];
  if (plain.length < at + refs * REF_BYTES + extraBytes + 1) return undefined;
  const profileRef = plain.subarray(at, at + REF_BYTES).toString('hex');
  at += REF_BYTES;
  const targetRef = refs === 2 ? plain.subarray(at, at + REF_BYTES).toString('hex') : undefined;
  at += (refs - 1) * REF_BYTES;
  const extra = plain.subarray(at, at + extraBytes);
  at += extraBytes;
  const address = plain.subarray(at).toString('utf8');
  return {
    kind,
    channel,
    address,
    profileRef,
    target,
    ...(targetRef !== undefined ? { targetRef } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(extraBytes > 0 ? { extra: Buffer.from(extra) } : {}),
    ...(language !== undefined ? { language } : {}),
  };
}
