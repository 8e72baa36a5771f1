import { z } from 'zod';
import { BLOCK_REASONS, TRACKING_REASONS } from '../../domain/evaluate';
import { PURPOSE_TYPES } from '../../domain/model';
import {
  audienceSchema,
  channelSchema,
  consentValueSchema,
  contactPointQuerySchema,
  enforcementModelSchema,
  groupContactFlags,
  idSchema,
  instantSchema,
  LIMITS,
  queryFlagsSchema,
} from '../common/common.schemas';
import { linkSetSchema } from '../links/links.schemas';
import { timeZoneSchema } from '../platform/send-rules.schemas';

const nullableValue = consentValueSchema.nullable();
const nullableModel = enforcementModelSchema.nullable();

// Names and addresses of a message are checked by the evaluation, not the schema: an unknown
// profile, purpose or topic or an unusable address blocks that message only, never the batch.
const checkFlag = z
  .boolean()
  .nullish()
  .transform((flag) => flag ?? undefined);
export const checkMessageSchema = z.strictObject({
  messageId: z.string().min(1).max(200),
  channel: channelSchema,
  contactPoint: z.string().max(LIMITS.textLength * 4),
  profileId: z.string().max(LIMITS.textLength),
  purposeId: z.string().max(LIMITS.textLength),
  topicId: z.string().max(LIMITS.textLength).optional(),
  audience: audienceSchema.default('contact'),
  contact: z
    .strictObject({ doNotEmail: checkFlag, doNotBulkEmail: checkFlag, doNotTrack: checkFlag })
    .nullish()
    .transform((flags) => flags ?? undefined),
  links: z
    .boolean()
    .optional()
    .describe('when the message is sent, return its unsubscribe and preference links'),
  timeZone: timeZoneSchema
    .optional()
    .describe("the recipient's IANA time zone, for quiet times (else the profile's)"),
});

export const checkBodySchema = z.strictObject({
  asOf: instantSchema
    .optional()
    .describe('decide every message as it would have been decided at this past time, from the history'),
  dryRun: z
    .boolean()
    .optional()
    .describe('decide without counting sent messages against frequency caps (an asOf replay never counts)'),
  messages: z
    .array(checkMessageSchema)
    .min(1)
    .max(LIMITS.messagesPerCheck)
    .superRefine((messages, ctx) => {
      const seen = new Set<string>();
      messages.forEach((m, i) => {
        if (seen.has(m.messageId)) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'messageId'],
            message: 'messageId is not unique in the batch',
          });
        }
        seen.add(m.messageId);
      });
    }),
});
export type CheckBody = z.infer<typeof checkBodySchema>;

export const decisionSchema = z.object({
  messageId: z.string(),
  decision: z.enum(['sent', 'blocked']),
  tracked: z.boolean(),
  reasons: z.array(z.enum(BLOCK_REASONS)),
  trackingReasons: z.array(z.enum(TRACKING_REASONS)),
  consent: z.object({ purpose: nullableValue, topic: nullableValue.optional(), tracking: nullableValue }),
  enforcement: z.object({ purpose: nullableModel, tracking: nullableModel }),
  evidence: z
    .object({
      profileVersion: z.number().int().nullable(),
      records: z.object({
        purpose: z.string().nullable(),
        topic: z.string().nullable().optional(),
        tracking: z.string().nullable(),
      }),
    })
    .describe('the versions of the profile and of the records the decision relied on (null: none)'),
  links: linkSetSchema.optional(),
  retryAt: z
    .string()
    .optional()
    .describe('blocked only by a quiet time or a frequency cap: the first moment it may be sent'),
});
export const checkResponseSchema = z.object({ decisions: z.array(decisionSchema) });

export const frequencyCapUsageSchema = z
  .array(
    z.object({ window: z.enum(['day', 'week', 'month']), limit: z.number().int(), sent: z.number().int() }),
  )
  .describe("the profile's caps on this channel and the commercial messages counted in each rolling window");

export const contactabilityQuerySchema = contactPointQuerySchema
  .extend({ profileId: idSchema, audience: audienceSchema.default('contact') })
  .extend(queryFlagsSchema.shape)
  // An unknown parameter (`donotemail=true`, a misspelt flag) is refused, never read as "allows".
  .strict()
  .transform(groupContactFlags);

const willSend = { consent: nullableValue, willSend: z.boolean(), reasons: z.array(z.enum(BLOCK_REASONS)) };
export const contactabilitySchema = z.object({
  channel: channelSchema,
  contactPoint: z.string(),
  profileId: z.string(),
  purposes: z.array(
    z.object({
      purposeId: z.string(),
      type: z.enum(PURPOSE_TYPES),
      enforcement: enforcementModelSchema,
      ...willSend,
      topics: z.array(z.object({ topicId: z.string(), ...willSend })),
    }),
  ),
  tracking: z.object({
    purposeId: z.string(),
    enforcement: enforcementModelSchema,
    consent: nullableValue,
    willTrack: z.boolean(),
    reasons: z.array(z.enum(TRACKING_REASONS)),
  }),
  frequencyCaps: frequencyCapUsageSchema.optional(),
});
