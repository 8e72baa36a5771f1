import { createHash } from 'node:crypto';
import type { Channel } from '../domain/model';

/**
 * Cosmos DB for Table caps RowKey at 255 bytes and Azure Storage keys at 1 KiB; we keep every key
 * within the smaller limit so one layout works on Azure Storage, Cosmos DB for Table and Azurite.
 */
export const MAX_KEY_BYTES = 255;

const CHANNEL_CODES: Record<Channel, string> = { email: 'e', sms: 's', voice: 'v', custom: 'c' };

// Only these characters stand for themselves; everything else (including '/ \ # ?', '%', quotes,
// control characters and the escape character '!') becomes '!' + two hex digits per UTF-8 byte.
// '%' is escaped too because Azure Storage mis-handles it in keys of some REST operations.
const SAFE = /^[A-Za-z0-9@._+-]$/;

export function escapeKeyPart(text: string): string {
  let out = '';
  for (const char of text) {
    if (SAFE.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8'))
      out += `!${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The PartitionKeys of one channel's contact points: from its code to the next character. */
export function channelKeyRange(channel: Channel): [string, string] {
  const code = CHANNEL_CODES[channel];
  return [code, String.fromCharCode(code.charCodeAt(0) + 1)];
}

/**
 * The PartitionKey of a contact point: its channel code and the escaped normalized address. Escaping
 * is injective; when the escaped form would be too long, a SHA-256 digest stands in (marked with
 * '~', which no escaped form contains) and the full address is kept in the entity and checked on read.
 */
export function contactPointKey(channel: Channel, address: string): string {
  const code = CHANNEL_CODES[channel];
  const escaped = escapeKeyPart(address);
  if (code.length + escaped.length <= MAX_KEY_BYTES) return code + escaped;
  return `${code}~${createHash('sha256').update(address, 'utf8').digest('base64url')}`;
}

/** Row keys of history entries sort newest first: the sequence number counts down from a fixed ceiling. */
const SEQUENCE_CEILING = 10 ** 15;

export function historyRowKey(sequence: number): string {
  return `h${String(SEQUENCE_CEILING - sequence).padStart(16, '0')}`;
}

/** The sequence number a history row key stands for. */
export function sequenceOfHistoryRowKey(rowKey: string): number {
  return SEQUENCE_CEILING - Number(rowKey.slice(1));
}

export const HISTORY_ROW_PREFIX = 'h';
export const HISTORY_ROW_END = 'i';
export const STATE_ROW_KEY = 'state';
