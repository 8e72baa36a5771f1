import type { Channel } from '../domain/model';
import { keyedDigest } from './subject-key';

const CHANNEL_CODES: Record<Channel, string> = { email: 'e', sms: 's', voice: 'v', custom: 'c' };

/** The bytes of a contact point's digest that name its partition (80 bits: see `contactPointKey`). */
export const LOCATOR_BYTES = 10;

/**
 * The leading bytes of the keyed digest (HMAC-SHA-256 under the subject key) of a contact point's
 * channel and normalized address: no unkeyed hash of an address is ever stored.
 */
export function contactPointLocator(channel: Channel, address: string): Buffer {
  return keyedDigest(channel, address).subarray(0, LOCATOR_BYTES);
}

/** The PartitionKeys of one channel's contact points: from its code to the next character. */
export function channelKeyRange(channel: Channel): [string, string] {
  const code = CHANNEL_CODES[channel];
  return [code, String.fromCharCode(code.charCodeAt(0) + 1)];
}

/**
 * The PartitionKey of a contact point: its channel code and 80 bits of the keyed digest of its address,
 * in hex. A record id carries the same bits, so the record is found from its id with one point read
 * and no index; hashed keys also spread a bulk load evenly over the storage's partition servers.
 * The entity keeps the full address and a read checks it: two addresses sharing 80 bits (about one
 * chance in 10^11 among ten million contact points) are refused, never mixed up.
 */
export function contactPointKey(channel: Channel, address: string): string {
  return contactKeyOf(channel, contactPointLocator(channel, address));
}

export function contactKeyOf(channel: Channel, locator: Buffer): string {
  return CHANNEL_CODES[channel] + locator.toString('hex');
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
