import {
  EMAIL_DELIVERY_REPORT,
  emailDeliveryReportSchema,
} from '../api/deliverability/deliverability.schemas';
import type { AcsMediaType } from '../api/sms/sms.schemas';
import type { DeliveryEventKind } from '../domain/suppression';
import { parseEventGridDelivery, reasonOf, type RejectedEvent } from '../sms/event-grid';
import type { SuppressionInput } from './suppression-service';

/** What each delivery status of an ACS email means here; other statuses change nothing. */
const STATUS: Record<string, DeliveryEventKind> = {
  bounced: 'hardBounce',
  failed: 'softBounce',
  delivered: 'delivered',
};

export type AcsEmailDelivery =
  | { kind: 'validation'; validationCode: string }
  | {
      kind: 'events';
      events: Array<SuppressionInput & { index: number }>;
      rejected: RejectedEvent[];
      read: number;
    };

/**
 * The bounces and deliveries of an Event Grid delivery of ACS email events (the Event Grid schema
 * or CloudEvents). Every readable event counts even when others are not readable (Event Grid does
 * not retry a 400, so refusing the delivery would lose the bounces in it).
 */
export function parseAcsEmailDelivery(mediaType: AcsMediaType, body: unknown): AcsEmailDelivery {
  const delivery = parseEventGridDelivery(mediaType, body);
  if (delivery.kind === 'validation') return delivery;
  const { envelopes, rejected } = delivery;
  const events: Array<SuppressionInput & { index: number }> = [];
  let read = 0;
  for (const envelope of envelopes) {
    if (envelope.type !== EMAIL_DELIVERY_REPORT) continue;
    const parsed = emailDeliveryReportSchema.safeParse(envelope.data);
    if (!parsed.success) {
      rejected.push({
        index: typeof envelope.at[0] === 'number' ? envelope.at[0] : 0,
        reason: reasonOf([...envelope.at, 'data'], parsed.error),
      });
      continue;
    }
    read++;
    const kind = STATUS[parsed.data.status.toLowerCase()];
    if (kind === undefined) continue;
    const detail = parsed.data.deliveryStatusDetails?.statusMessage;
    events.push({
      index: typeof envelope.at[0] === 'number' ? envelope.at[0] : 0,
      channel: 'email',
      contactPoint: parsed.data.recipient,
      kind,
      at: parsed.data.deliveryAttemptTimeStamp,
      eventId: `acs-email:${envelope.id}`,
      ...(detail ? { detail: detail.slice(0, 500) } : {}),
    });
  }
  rejected.sort((a, b) => a.index - b.index);
  return { kind: 'events', events, rejected, read };
}
