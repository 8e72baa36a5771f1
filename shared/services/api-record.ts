import type { ConsentRecord } from '../api/common/common.schemas';
import type { Catalog } from '../domain/catalog';
import type { ContactPoint } from '../domain/contact-point';
import type { StoredConsent } from '../domain/model';
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
