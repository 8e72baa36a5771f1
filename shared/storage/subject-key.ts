import { createHmac } from 'node:crypto';
import type { Channel } from '../domain/model';

/*
 * The secret every stored key of a person is derived with (HMAC-SHA-256): the contact point's
 * partition, its record ids and, after an erasure, its tombstone. Without the secret, hashing a
 * guessed address finds nothing: an erased person cannot be looked up in a copy of the store.
 * `SUBJECT_KEY`, else a key generated once and kept in the config table. It never changes: every
 * key of the store is derived from it (the storage README says how a store moves to a new one).
 */
let secret: Buffer | undefined;

/** Loads the secret (once per process; the same for every instance of a deployment). */
export function useSubjectKey(value: string): void {
  secret = Buffer.from(value, 'utf8');
}

export function subjectKeyLoaded(): boolean {
  return secret !== undefined;
}

/** What the store keeps to recognize its key (never the key itself): a key told apart from another. */
export function subjectKeyFingerprint(value: string): string {
  return createHmac('sha256', Buffer.from(value, 'utf8')).update('subject-key-check').digest('base64url');
}

/** HMAC-SHA-256 under the subject key of the parts, joined by line feeds. */
export function keyedDigest(...parts: string[]): Buffer {
  if (!secret) throw new Error('The subject key is not loaded: the consent store was not made ready.');
  return createHmac('sha256', secret).update(parts.join('\n'), 'utf8').digest();
}

/** The subject of a contact point as erasures name it: the keyed digest of channel and address. */
export function subjectOf(channel: Channel, address: string): string {
  return keyedDigest('subject', channel, address).toString('base64url');
}

/**
 * A provider event id as a tombstone keeps it: keyed, so it names no message, yet a replay of the
 * event after the erasure is still recognized (and changes nothing).
 */
export function erasedEventKey(eventId: string): string {
  return `k:${keyedDigest('event', eventId).toString('base64url')}`;
}

export function isErasedEventKey(key: string): boolean {
  return key.startsWith('k:');
}
