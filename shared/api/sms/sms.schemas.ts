import { z } from 'zod';
import { instantSchema } from '../common/common.schemas';

// Azure Communication Services events through Event Grid.

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
export type AcsMediaType = keyof typeof ACS_BODIES;

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
    .object({
      processed: z.number().int().min(0),
      rejected: z
        .array(z.object({ index: z.number().int(), reason: z.string() }))
        .optional()
        .describe('events of the delivery that could not be read, each with why; the others were applied'),
    })
    .describe('SMSReceived events handled: a usable sender, checked for a keyword'),
]);

/** The CloudEvents abuse-protection handshake names who will deliver: a host name. */
export const webhookRequestOriginSchema = z
  .string({ error: 'the WebHook-Request-Origin header is required' })
  .trim()
  .max(253)
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'a host name, e.g. eventgrid.azure.net');

// Twilio's inbound message webhook.

/** Twilio's inbound message webhook is small (a text of at most 1600 characters and its details). */
export const TWILIO_BODY_LIMIT = 64 * 1024;

/** An empty TwiML answer: nothing to send back (Twilio's own opt-out handling sends the replies). */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** The fields the service reads; Twilio sends many more (and adds some without notice). */
export const twilioFormSchema = z
  .looseObject({
    From: z.string().describe('the sender, E.164'),
    To: z.string().describe('the number the text was sent to, E.164'),
    Body: z.string().describe('the text'),
    MessageSid: z.string(),
    OptOutType: z
      .enum(['STOP', 'START', 'HELP'])
      .optional()
      .describe('set by Advanced Opt-Out when the text is a keyword; decides over Body'),
  })
  .describe('Twilio inbound message webhook parameters, signed with X-Twilio-Signature');
