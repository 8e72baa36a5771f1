import { z } from 'zod';
import { PURPOSE_TYPES } from '../../domain/model';
import {
  channelSchema,
  consentValueSchema,
  contactPointSchema,
  flag,
  groupContactFlags,
  idSchema,
  LIMITS,
  queryFlagsSchema,
} from '../common/common.schemas';
import { contactabilityQuerySchema } from '../check/check.schemas';

export const subscriptionCenterQuerySchema = z
  .object({
    profileId: idSchema,
    contactPoints: z
      .string()
      .max((LIMITS.contactPointLength + 1) * LIMITS.contactPointsPerSubscriptionCenter)
      .describe('the email addresses of the contact, separated by commas')
      .transform((list) => list.split(',').map((address) => address.trim()))
      .pipe(
        z
          .array(z.string().min(1, 'an empty address').max(LIMITS.contactPointLength))
          .min(1)
          .max(LIMITS.contactPointsPerSubscriptionCenter),
      ),
  })
  .extend(queryFlagsSchema.shape)
  // An unknown parameter (`donotemail=true`, a misspelt flag) is refused, never read as "allows".
  .strict()
  .transform(groupContactFlags);

export const subscriptionCenterSchema = z.object({
  doNotEmail: z.boolean(),
  doNotBulkEmail: z.boolean(),
  doNotTrack: z.boolean(),
});

export const subscriptionCenterBodySchema = z.strictObject({
  profileId: idSchema,
  contactPoints: z
    .array(contactPointSchema)
    .min(1)
    .max(LIMITS.contactPointsPerSubscriptionCenter)
    .describe('every email address of the contact'),
  doNotEmail: z.boolean(),
  doNotBulkEmail: z.boolean(),
  doNotTrack: z.boolean(),
  shown: z
    .strictObject({ doNotEmail: z.boolean(), doNotBulkEmail: z.boolean(), doNotTrack: z.boolean() })
    .optional()
    .describe(
      'the prefill the form showed: only the flags the contact changed from it are written, so a change made meanwhile stays',
    ),
});
export type SubscriptionCenterBody = z.infer<typeof subscriptionCenterBodySchema>;

export const preferenceCenterQuerySchema = contactabilityQuerySchema;

export const preferenceCenterSchema = z.object({
  purposes: z.array(
    z.object({
      purposeId: z.string(),
      type: z.enum(PURPOSE_TYPES),
      optedIn: z.boolean(),
      topics: z.array(z.object({ topicId: z.string(), optedIn: z.boolean() })),
    }),
  ),
  tracking: z.object({ purposeId: z.string(), optedIn: z.boolean() }),
});

export const preferenceChoiceSchema = z.strictObject({
  purposeId: idSchema,
  topicId: idSchema.optional(),
  value: consentValueSchema,
  shown: z
    .boolean()
    .optional()
    .describe(
      'what the form showed for it (the prefill optedIn): a choice the person left as shown is not written',
    ),
});

export const preferenceCenterBodySchema = z.strictObject({
  profileId: idSchema,
  channel: channelSchema,
  contactPoint: contactPointSchema,
  choices: z.array(preferenceChoiceSchema).min(1).max(LIMITS.recordsPerUpsert),
});
export type PreferenceCenterBody = z.infer<typeof preferenceCenterBodySchema>;

export const loadMemberSchema = z.strictObject({
  email: contactPointSchema,
  doNotEmail: flag,
  doNotBulkEmail: flag,
  doNotTrack: flag,
});

const loadTargetShape = {
  profileId: idSchema,
  purposeId: idSchema.describe('a commercial or transactional purpose of the profile'),
  topicId: idSchema.optional().describe('load into this topic of the purpose instead of the purpose itself'),
  from: z.enum(['contacts', 'leads', 'list']),
  value: z
    .enum(['optedIn', 'optedOut'])
    .optional()
    .describe('required for a list, refused for contacts and leads'),
};

/** As documented; members with a blocking flag opt their address out. */
export const loadBodySchema = z.object({
  ...loadTargetShape,
  members: z.array(loadMemberSchema).min(1).max(LIMITS.membersPerLoad),
});

/** What validates the envelope; each member is then validated on its own so one 400 names them all. */
export const loadRequestSchema = z.object({
  ...loadTargetShape,
  members: z.array(z.unknown()).min(1).max(LIMITS.membersPerLoad),
});
export type LoadRequest = z.infer<typeof loadRequestSchema>;

const loadCountsSchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  suppressed: z.number().int().describe('opt-ins for erased addresses, not written (Data subject requests)'),
});
export const loadResponseSchema = z.object({ consent: loadCountsSchema, tracking: loadCountsSchema });
export type LoadCounts = z.infer<typeof loadResponseSchema>;
