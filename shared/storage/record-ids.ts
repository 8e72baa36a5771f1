import { createHash } from 'node:crypto';
import { CHANNELS, consentKey, type Channel } from '../domain/model';
import { LOCATOR_BYTES, contactKeyOf, contactPointLocator } from './keys';
import { keyedDigest } from './subject-key';

/**
 * The namespace of the fixed ids of purposes and topics that carry no Dataverse id of their own
 * (UUID v5, RFC 9562).
 */
export const RECORD_ID_NAMESPACE = '0ee03978-c2c8-41b0-a9ef-7ae3f2088401';

/** UUID v5 of `name` in `namespace`. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const KEY_BITS = 40n;
const LOCATOR_BITS = BigInt(LOCATOR_BYTES * 8);

/**
 * The id of the record of (channel, contact point, purpose or topic): a UUID version 8 (RFC 9562)
 * whose 122 free bits hold the contact point's locator (80 bits, the same as its PartitionKey),
 * its channel (2 bits) and 40 bits of a digest of the record's key (a topic record keeps its id if
 * a profile moves the topic under another purpose). So an id names one record forever and leads to
 * its contact point without any index.
 */
export function recordId(channel: Channel, address: string, purposeId: string, topicId?: string): string {
  const locator = contactPointLocator(channel, address);
  const keyDigest = keyedDigest(channel, address, consentKey(purposeId, topicId));
  const payload =
    (BigInt(`0x${locator.toString('hex')}`) << (KEY_BITS + 2n)) |
    (BigInt(CHANNELS.indexOf(channel)) << KEY_BITS) |
    BigInt(`0x${keyDigest.subarray(0, Number(KEY_BITS / 8n)).toString('hex')}`);
  // custom_a (48 bits), version 8, custom_b (12 bits), variant 0b10, custom_c (62 bits).
  const value =
    ((payload >> 74n) << 80n) |
    (0x8n << 76n) |
    (((payload >> 62n) & 0xfffn) << 64n) |
    (0b10n << 62n) |
    (payload & ((1n << 62n) - 1n));
  const hex = value.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const RECORD_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The PartitionKey of the contact point a record id belongs to, or undefined if it is no record id. */
export function contactKeyOfRecordId(id: string): string | undefined {
  const lower = id.toLowerCase();
  if (!RECORD_ID_PATTERN.test(lower)) return undefined;
  const value = BigInt(`0x${lower.replace(/-/g, '')}`);
  const payload = ((value >> 80n) << 74n) | (((value >> 64n) & 0xfffn) << 62n) | (value & ((1n << 62n) - 1n));
  const channel = CHANNELS[Number((payload >> KEY_BITS) & 0b11n)]!;
  const locator = (payload >> (KEY_BITS + 2n)) & ((1n << LOCATOR_BITS) - 1n);
  return contactKeyOf(channel, Buffer.from(locator.toString(16).padStart(LOCATOR_BYTES * 2, '0'), 'hex'));
}
