import type { ConsentRecord } from '../api/common/common.schemas';
import type { Catalog } from '../domain/catalog';
import type { ContactPoint } from '../domain/contact-point';
import type { StoredConsent } from '../domain/model';
import type { HistoryEntry } from '../storage/consent-store';
import { recordId } from '../storage/record-ids';

/**
 * A stored record as the API returns it. Records belong to their topic (topic ids are unique across
 * profiles), so a topic record reads back under the topic's current purpose if a profile moved it.
 */
export function toApiRecord(
  contactPoint: ContactPoint,
  record: StoredConsent,
  catalog?: Catalog,
): ConsentRecord {
  const topic = record.topicId === undefined ? undefined : catalog?.topics.get(record.topicId);
  return {
    id: recordId(contactPoint.channel, contactPoint.address, record.purposeId, record.topicId),
    channel: contactPoint.channel,
    contactPoint: contactPoint.address,
    ...record,
    purposeId: topic ? topic.purpose.id : record.purposeId,
  };
}

/** A history entry as the API returns it (history, export). */
export function toApiHistoryEntry(contactPoint: ContactPoint, e: HistoryEntry) {
  return {
    at: e.at,
    actor: e.actor,
    ...(e.actorId !== undefined ? { actorId: e.actorId } : {}),
    ...(e.onBehalfOf !== undefined ? { onBehalfOf: e.onBehalfOf } : {}),
    purposeId: e.purposeId,
    ...(e.topicId !== undefined ? { topicId: e.topicId } : {}),
    before: e.before ? toApiRecord(contactPoint, e.before) : null,
    after: toApiRecord(contactPoint, e.after),
    source: e.source,
  };
}
