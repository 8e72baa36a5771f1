import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import {
  ACS_BODIES,
  cloudEventSchema,
  eventGridEventSchema,
  MAX_EVENTS_PER_DELIVERY,
  SMS_RECEIVED,
  smsReceivedDataSchema,
  SUBSCRIPTION_VALIDATION,
  subscriptionValidationDataSchema,
  type AcsMediaType,
  webhookRequestOriginSchema,
} from '../api/sms/sms.schemas';
import { ServiceError, ValidationError } from '../errors';
import { formatPath } from '../utils/issue-details';
import { parseMediaType } from '../utils/media-type';
import { readJson } from '../utils/read-json';
import type { InboundText } from './inbound';

/** An event of a delivery that could not be read: where it is, and why (never its content). */
export interface RejectedEvent {
  index: number;
  reason: string;
}

export type AcsDelivery =
  | { kind: 'validation'; validationCode: string }
  | { kind: 'texts'; texts: InboundText[]; rejected: RejectedEvent[] };

export interface Envelope {
  /** The provider's id of the event: a second delivery of it changes nothing. */
  id: string;
  type: string;
  data: unknown;
  /** Where the event sits in the body: `[3]`, or nothing for a lone CloudEvent. */
  at: Array<string | number>;
}

/** A body's schema errors, each with the index of its event when the body is a batch. */
function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new ValidationError(
    `The ${what} is not valid.`,
    result.error.issues.map((issue) => ({
      path: formatPath(issue.path),
      message: issue.message,
      ...(typeof issue.path[0] === 'number' ? { index: issue.path[0] } : {}),
    })),
  );
}

export const reasonOf = (at: Envelope['at'], error: z.ZodError) =>
  error.issues.map((issue) => `${formatPath([...at, ...issue.path])}: ${issue.message}`).join('; ');

/**
 * The events of a delivery, each read on its own: a batch whose body is an array keeps every event
 * it can read and reports the others, since Event Grid never delivers a refused batch again.
 */
function envelopesOf(
  mediaType: AcsMediaType,
  body: unknown,
): { envelopes: Envelope[]; rejected: RejectedEvent[] } {
  if (mediaType === 'application/cloudevents+json') {
    const event = parseBody(cloudEventSchema, body, 'CloudEvent');
    return { envelopes: [{ id: event.id, type: event.type, data: event.data, at: [] }], rejected: [] };
  }
  const cloud = mediaType === 'application/cloudevents-batch+json';
  const items = parseBody(
    z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_DELIVERY),
    body,
    cloud ? 'CloudEvents batch' : 'Event Grid delivery',
  );
  const envelopes: Envelope[] = [];
  const rejected: RejectedEvent[] = [];
  items.forEach((item, index) => {
    if (cloud) {
      const event = cloudEventSchema.safeParse(item);
      if (event.success)
        envelopes.push({ id: event.data.id, type: event.data.type, data: event.data.data, at: [index] });
      else rejected.push({ index, reason: reasonOf([index], event.error) });
    } else {
      const event = eventGridEventSchema.safeParse(item);
      if (event.success)
        envelopes.push({ id: event.data.id, type: event.data.eventType, data: event.data.data, at: [index] });
      else rejected.push({ index, reason: reasonOf([index], event.error) });
    }
  });
  return { envelopes, rejected };
}

/**
 * `data` with its field names lower-cased: older documentation spells SMSReceived's fields `From`,
 * `To`, `Message`. Two spellings of one name with different values make the event unreadable.
 */
function caseInsensitive(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const folded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(data)) {
    const key = name.toLowerCase();
    if (Object.hasOwn(folded, key) && folded[key] !== value) return { [key]: undefined, ambiguous: name };
    folded[key] = value;
  }
  return folded;
}

const SMS_FIELDS = { from: 'from', to: 'to', message: 'message', receivedtimestamp: 'receivedTimestamp' };

/**
 * The events of an Event Grid delivery, or the answer to its subscription validation (which comes
 * alone). Events that cannot be read are reported beside the others.
 */
export function parseEventGridDelivery(
  mediaType: AcsMediaType,
  body: unknown,
):
  | { kind: 'validation'; validationCode: string }
  | { kind: 'events'; envelopes: Envelope[]; rejected: RejectedEvent[] } {
  const { envelopes, rejected } = envelopesOf(mediaType, body);
  const validations = envelopes.filter((e) => e.type === SUBSCRIPTION_VALIDATION);
  if (validations.length > 0) {
    if (envelopes.length + rejected.length > 1) {
      const at = validations[0]!.at;
      throw new ValidationError('The delivery is not valid.', [
        {
          path: formatPath(at),
          message: 'a subscription validation event comes alone',
          index: at[0] as number,
        },
      ]);
    }
    const parsed = subscriptionValidationDataSchema.safeParse(validations[0]!.data);
    if (parsed.success) return { kind: 'validation', validationCode: parsed.data.validationCode };
    throw new ValidationError(
      'The subscription validation event is not valid.',
      parsed.error.issues.map((issue) => ({
        path: formatPath([...validations[0]!.at, 'data', ...issue.path]),
        message: issue.message,
      })),
    );
  }
  return { kind: 'events', envelopes, rejected };
}

/**
 * What a delivery asks for: the answer to a subscription validation, or the texts of its
 * SMSReceived events (other event types are ignored) with the events that could not be read. Every
 * readable event is applied even when others are not (Event Grid does not retry a 400, so refusing
 * the delivery would lose the STOP in it).
 */
export function parseAcsDelivery(mediaType: AcsMediaType, body: unknown): AcsDelivery {
  const delivery = parseEventGridDelivery(mediaType, body);
  if (delivery.kind === 'validation') return delivery;
  const { envelopes, rejected } = delivery;
  const texts: InboundText[] = [];
  for (const envelope of envelopes) {
    if (envelope.type !== SMS_RECEIVED) continue;
    const folded = caseInsensitive(envelope.data);
    const parsed = smsReceivedDataSchema.safeParse(
      typeof folded === 'object' && folded !== null
        ? Object.fromEntries(
            Object.entries(folded).map(([key, value]) => [
              SMS_FIELDS[key as keyof typeof SMS_FIELDS] ?? key,
              value,
            ]),
          )
        : folded,
    );
    if (!parsed.success) {
      rejected.push({
        index: typeof envelope.at[0] === 'number' ? envelope.at[0] : 0,
        reason: reasonOf([...envelope.at, 'data'], parsed.error),
      });
      continue;
    }
    const { from, to, message, receivedTimestamp } = parsed.data;
    texts.push({
      from,
      to,
      message,
      eventId: `acs:${envelope.id}`,
      ...(receivedTimestamp !== undefined ? { receivedAt: receivedTimestamp } : {}),
    });
  }
  rejected.sort((a, b) => a.index - b.index);
  return { kind: 'texts', texts, rejected };
}

/** The media type and JSON body of an Event Grid delivery (415 for a media type it never sends). */
export async function readEventGridBody(
  request: HttpRequest,
): Promise<{ type: AcsMediaType; body: unknown }> {
  const contentType = request.headers.get('content-type');
  const type = contentType === null ? 'application/json' : parseMediaType(contentType).type;
  if (!Object.hasOwn(ACS_BODIES, type)) {
    throw new ServiceError(
      'unsupported-media-type',
      'Send Event Grid events as application/json, or CloudEvents as application/cloudevents+json or application/cloudevents-batch+json.',
    );
  }
  return { type: type as AcsMediaType, body: await readJson(request, z.unknown()) };
}

/** An Event Grid delivery: its media type decides the schema (415 for any other), then its events. */
export async function readAcsDelivery(request: HttpRequest): Promise<AcsDelivery> {
  const { type, body } = await readEventGridBody(request);
  return parseAcsDelivery(type, body);
}

/** The CloudEvents abuse-protection handshake (OPTIONS): who will deliver is allowed to. */
export function handshakeAnswer(request: HttpRequest): { status: number; headers: Record<string, string> } {
  const origin = webhookRequestOriginSchema.safeParse(
    request.headers.get('webhook-request-origin') ?? undefined,
  );
  if (!origin.success) {
    throw new ValidationError('The handshake is not valid.', [
      { path: 'WebHook-Request-Origin', message: origin.error.issues[0]!.message },
    ]);
  }
  return {
    status: 200,
    headers: { 'webhook-allowed-origin': origin.data, 'webhook-allowed-rate': '*' },
  };
}
