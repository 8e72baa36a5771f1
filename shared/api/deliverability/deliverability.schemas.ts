import { z } from 'zod';
import { SUPPRESSION_KINDS } from '../../domain/suppression';
import {
  channelSchema,
  contactPointQuerySchema,
  contactPointSchema,
  instantSchema,
  text,
} from '../common/common.schemas';

/** Suppressions added in one request. */
export const MAX_SUPPRESSIONS = 1000;

export const suppressionInputSchema = z.strictObject({
  channel: channelSchema,
  contactPoint: contactPointSchema,
  kind: z.enum(SUPPRESSION_KINDS),
  at: instantSchema.optional().describe('when it happened; a time ahead of the service counts as now'),
  detail: text(500).optional().describe('what the provider said, e.g. "550 5.1.1 user unknown"'),
});

export const suppressionsBodySchema = z.strictObject({
  suppressions: z.array(suppressionInputSchema).min(1).max(MAX_SUPPRESSIONS),
});
export type SuppressionsBody = z.infer<typeof suppressionsBodySchema>;

export const suppressionResultSchema = z.object({
  index: z.number().int(),
  suppressed: z.boolean(),
  kind: z.enum(SUPPRESSION_KINDS).optional(),
  suppressedUntil: z
    .string()
    .nullable()
    .describe(
      'the end of a bounce suppression; null while not suppressed, or with no end (complaint, manual)',
    ),
});
export const suppressionsResponseSchema = z.object({ results: z.array(suppressionResultSchema) });

export const suppressionQuerySchema = contactPointQuerySchema.strict();

const suppressionEventSchema = z.object({
  kind: z.enum([...SUPPRESSION_KINDS, 'delivered', 'lifted']),
  at: z.string(),
  source: z.string().describe('api, acs-email or sendgrid (and who, for the API)'),
  detail: z.string().optional(),
});
export const suppressionViewSchema = z.object({
  suppressed: z.boolean(),
  kind: z.enum(SUPPRESSION_KINDS).optional(),
  until: z.string().optional().describe('the end of a bounce suppression'),
  events: z.array(suppressionEventSchema).describe('the newest 50 events, oldest first'),
});

/** `Microsoft.Communication.EmailDeliveryReportReceived`: the fields read; others are ignored. */
export const EMAIL_DELIVERY_REPORT = 'Microsoft.Communication.EmailDeliveryReportReceived';
export const emailDeliveryReportSchema = z.object({
  recipient: z.string().min(1).max(320),
  status: z.string().max(64),
  deliveryAttemptTimeStamp: instantSchema.optional(),
  deliveryStatusDetails: z
    .object({ statusMessage: z.string().max(2000).optional() })
    .loose()
    .optional(),
});

export const deliveryResponseSchema = z.union([
  z.object({ validationResponse: z.string() }).describe('the answer to a subscription validation event'),
  z.object({
    processed: z.number().int().min(0).describe('events read and applied (or already applied)'),
    rejected: z
      .array(z.object({ index: z.number().int(), reason: z.string() }))
      .optional()
      .describe('events that could not be read, each with why; the others were applied'),
  }),
]);

/** One event of the SendGrid Event Webhook: the fields read (SendGrid adds others freely). */
export const sendgridEventSchema = z.looseObject({
  email: z.string().min(1).max(320),
  event: z.string().max(64),
  timestamp: z.number().int().nonnegative().optional(),
  sg_event_id: z.string().max(200).optional(),
  type: z.string().max(64).optional().describe('for a bounce: bounce (hard) or blocked (soft)'),
  reason: z.string().max(2000).optional(),
  profileId: z.string().max(200).optional().describe('custom argument: the profile the email was sent for'),
  purposeId: z.string().max(200).optional().describe('custom argument: the purpose the email was sent for'),
});
export const sendgridDeliverySchema = z.array(z.unknown()).min(1).max(5000);
export const sendgridResponseSchema = z.object({
  processed: z.number().int().min(0),
  rejected: z.array(z.object({ index: z.number().int(), reason: z.string() })).optional(),
});

export const reviewBodySchema = z.strictObject({
  channel: channelSchema,
  profileId: z.string().min(1).max(200),
  purposeId: z.string().min(1).max(200),
  topicId: z.string().min(1).max(200).optional(),
  html: z.string().max(2_000_000).optional(),
  text: z.string().max(100_000).optional(),
  headers: z.record(z.string().max(200), z.string().max(4000)).optional(),
});
export type ReviewBody = z.infer<typeof reviewBodySchema>;
export const reviewResponseSchema = z.object({
  ready: z.boolean(),
  findings: z.array(z.object({ code: z.string(), message: z.string() })),
});
