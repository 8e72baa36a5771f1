import { createHash } from 'node:crypto';
import { consentKey, type Channel } from '../domain/model';

/**
 * The namespace of record ids (UUID v5, RFC 9562): an id names one record forever, derived from its
 * channel, normalized contact point and purpose (or topic: a topic record keeps its id if a profile
 * moves the topic under another purpose).
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

/** The id of the record of (channel, contact point, purpose or topic). */
export function recordId(channel: Channel, address: string, purposeId: string, topicId?: string): string {
  return uuidV5(RECORD_ID_NAMESPACE, `${channel}\n${address}\n${consentKey(purposeId, topicId)}`);
}
