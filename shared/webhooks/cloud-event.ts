import { createHash } from 'node:crypto';
import type { FeedChange } from '../feed/change-feed';

/** A change the feed serves, as a CloudEvents 1.0 event. */
export interface ConsentCloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: 'consent.changed' | 'consent.erased';
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  data: FeedChange;
}

/**
 * The id of a change, the same every time the feed serves it (and so every time it is delivered):
 * the contact point's keyed digest with what changed and its record version, or the erasure's time.
 */
export function changeId(change: FeedChange): string {
  const key =
    'type' in change
      ? `${change.subject}|erased|${change.at}`
      : `${change.subject}|${change.purposeId}|${change.topicId ?? ''}|${change.after.version}`;
  return createHash('sha256').update(key).digest('base64url').slice(0, 32);
}

export function toCloudEvent(change: FeedChange, source: string): ConsentCloudEvent {
  return {
    specversion: '1.0',
    id: changeId(change),
    source,
    type: 'type' in change ? 'consent.erased' : 'consent.changed',
    time: change.at,
    // The keyed digest, never the address: routers and logs see no personal data.
    subject: change.subject,
    datacontenttype: 'application/json',
    data: change,
  };
}
