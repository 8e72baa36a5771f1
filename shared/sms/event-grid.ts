import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { ServiceError, ValidationError, type ErrorDetail } from '../errors';
import { parseMediaType, readJson } from '../http';
import { instantSchema } from '../schemas';
import { formatPath } from '../validation';
import type { InboundText } from './inbound';

export const SUBSCRIPTION_VALIDATION = 'Microsoft.EventGrid.SubscriptionValidationEvent';
export const SMS_RECEIVED = 'Microsoft.Communication.SMSReceived';
/** Event Grid batches at most this many events into one delivery. */
export const MAX_EVENTS_PER_DELIVERY = 5000;

const text = (max: number) => z.string().min(1).max(max);

/** An event in the Event Grid schema; `data` is read by event type. */
export const eventGridEventSchema = z.object({
  id: text(1024),
  topic: z.string().optional(),
  subject: z.string().max(8192),
  eventType: text(1024),
  eventTime: z.string().max(64),
  data: z.unknown(),
  dataVersion: z.string().optional(),
  metadataVersion: z.string().optional(),
});

/** A CloudEvents 1.0 event in structured mode. */
export const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: text(1024),
  source: text(4096),
  type: text(1024),
  time: z.string().max(64).optional(),
  subject: z.string().optional(),
  datacontenttype: z.string().optional(),
  data: z.unknown(),
});

export const eventGridDeliverySchema = z.array(eventGridEventSchema).min(1).max(MAX_EVENTS_PER_DELIVERY);
export const cloudEventBatchSchema = z.array(cloudEventSchema).min(1).max(MAX_EVENTS_PER_DELIVERY);

/** The request body per media type Event Grid delivers with. */
export const ACS_BODIES = {
  'application/json': eventGridDeliverySchema,
  'application/cloudevents+json': cloudEventSchema,
  'application/cloudevents-batch+json': cloudEventBatchSchema,
} as const;
type AcsMediaType = keyof typeof ACS_BODIES;

export const subscriptionValidationDataSchema = z.object({
  validationCode: text(1024),
  validationUrl: z.string().optional(),
});

/** The fields of `Microsoft.Communication.SMSReceived` the service reads; others are ignored. */
export const smsReceivedDataSchema = z.object({
  from: z.string(),
  to: z.string(),
  message: z.string(),
  receivedTimestamp: instantSchema.optional(),
});

export const acsResponseSchema = z.union([
  z.object({ validationResponse: z.string() }).describe('the answer to a subscription validation event'),
  z
    .object({ processed: z.number().int().min(0) })
    .describe('SMSReceived events handled: a usable sender, checked for a keyword'),
]);

export type AcsDelivery =
  { kind: 'validation'; validationCode: string } | { kind: 'texts'; texts: InboundText[] };

interface Envelope {
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

function envelopesOf(mediaType: AcsMediaType, body: unknown): Envelope[] {
  if (mediaType === 'application/json') {
    return parseBody(eventGridDeliverySchema, body, 'Event Grid delivery').map((event, i) => ({
      type: event.eventType,
      data: event.data,
      at: [i],
    }));
  }
  if (mediaType === 'application/cloudevents+json') {
    const event = parseBody(cloudEventSchema, body, 'CloudEvent');
    return [{ type: event.type, data: event.data, at: [] }];
  }
  return parseBody(cloudEventBatchSchema, body, 'CloudEvents batch').map((event, i) => ({
    type: event.type,
    data: event.data,
    at: [i],
  }));
}

/**
 * What a delivery asks for: the answer to a subscription validation, or the texts of its
 * SMSReceived events (other event types are ignored). Every event is validated before anything
 * is applied, so a malformed delivery is one 400 naming each bad path, and nothing is written.
 */
export function parseAcsDelivery(mediaType: AcsMediaType, body: unknown): AcsDelivery {
  const envelopes = envelopesOf(mediaType, body);
  const problems: ErrorDetail[] = [];
  const issues = (at: Envelope['at'], error: z.ZodError) => {
    const index = typeof at[0] === 'number' ? at[0] : undefined;
    for (const issue of error.issues) {
      problems.push({
        path: formatPath([...at, 'data', ...issue.path]),
        message: issue.message,
        ...(index !== undefined ? { index } : {}),
      });
    }
  };
  const validations = envelopes.filter((e) => e.type === SUBSCRIPTION_VALIDATION);
  if (validations.length > 0) {
    if (envelopes.length > 1) {
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
    issues(validations[0]!.at, parsed.error);
    throw new ValidationError('The subscription validation event is not valid.', problems);
  }
  const texts: InboundText[] = [];
  for (const envelope of envelopes) {
    if (envelope.type !== SMS_RECEIVED) continue;
    const parsed = smsReceivedDataSchema.safeParse(envelope.data);
    if (!parsed.success) {
      issues(envelope.at, parsed.error);
      continue;
    }
    const { from, to, message, receivedTimestamp } = parsed.data;
    texts.push({
      from,
      to,
      message,
      ...(receivedTimestamp !== undefined ? { receivedAt: receivedTimestamp } : {}),
    });
  }
  if (problems.length > 0)
    throw new ValidationError('Some events are not valid; nothing was applied.', problems);
  return { kind: 'texts', texts };
}

/** An Event Grid delivery: its media type decides the schema (415 for any other), then its events. */
export async function readAcsDelivery(request: HttpRequest): Promise<AcsDelivery> {
  const contentType = request.headers.get('content-type');
  const type = contentType === null ? 'application/json' : parseMediaType(contentType).type;
  if (!Object.hasOwn(ACS_BODIES, type)) {
    throw new ServiceError(
      'unsupported-media-type',
      'Send Event Grid events as application/json, or CloudEvents as application/cloudevents+json or application/cloudevents-batch+json.',
    );
  }
  return parseAcsDelivery(type as AcsMediaType, await readJson(request, z.unknown()));
}

/** The CloudEvents abuse-protection handshake names who will deliver: a host name. */
export const webhookRequestOriginSchema = z
  .string({ error: 'the WebHook-Request-Origin header is required' })
  .trim()
  .max(253)
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'a host name, e.g. eventgrid.azure.net');

/** The origin an OPTIONS handshake asks to be allowed, or a 400. */
export function webhookRequestOrigin(request: HttpRequest): string {
  const header = request.headers.get('webhook-request-origin');
  const parsed = webhookRequestOriginSchema.safeParse(header ?? undefined);
  if (parsed.success) return parsed.data;
  throw new ValidationError('The handshake is not valid.', [
    { path: 'WebHook-Request-Origin', message: parsed.error.issues[0]!.message },
  ]);
}
