import { SUPPRESSION_KINDS } from '../../domain/suppression';
import { z } from 'zod';
import { SOURCES, STATUSES } from '../../domain/model';
import {
  audienceSchema,
  channelSchema,
  consentRecordSchema,
  consentValueSchema,
  contactFlagsSchema,
  contactPointSchema,
  idSchema,
  instantSchema,
} from '../common/common.schemas';
import { contactabilitySchema } from '../check/check.schemas';

export const listQuerySchema = z.object({
  channel: channelSchema.optional(),
  purposeId: idSchema.optional().describe("that purpose's own records and its topics' records"),
  topicId: idSchema.optional().describe("that topic's records"),
  value: consentValueSchema.optional(),
  source: z.enum(SOURCES).optional(),
  status: z.enum(STATUSES).optional(),
  modifiedSince: instantSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  continuationToken: z.string().min(1).max(1000).optional(),
});

export const listResponseSchema = z.object({
  records: z.array(consentRecordSchema),
  continuationToken: z.string().optional(),
});

export const contactViewBodySchema = z.object({
  contactPoints: z
    .array(z.object({ channel: channelSchema, contactPoint: contactPointSchema }))
    .min(1)
    .max(50),
  profileId: idSchema.optional().describe('only this profile; every profile when absent'),
  audience: audienceSchema.default('contact'),
  contact: contactFlagsSchema.optional(),
});
export type ContactViewBody = z.infer<typeof contactViewBodySchema>;

const contactabilityShape = contactabilitySchema.shape;
export const contactViewSchema = z.object({
  contactPoints: z.array(
    z.object({
      channel: channelSchema,
      contactPoint: z.string(),
      valid: z.boolean(),
      erased: z
        .object({ at: z.string(), actor: z.string() })
        .optional()
        .describe('the person had this address erased: when and by whom'),
      suppression: z
        .object({ kind: z.enum(SUPPRESSION_KINDS), until: z.string().optional() })
        .optional()
        .describe(
          'the address is suppressed on its channel (bounces, a complaint, by hand): nothing is sent',
        ),
      profiles: z.array(
        z.object({
          profileId: z.string(),
          willSendCommercial: z.boolean(),
          willSendTransactional: z.boolean(),
          willTrack: z.boolean(),
          purposes: contactabilityShape.purposes,
          tracking: contactabilityShape.tracking,
          frequencyCaps: contactabilityShape.frequencyCaps,
        }),
      ),
    }),
  ),
});
export type ContactView = z.infer<typeof contactViewSchema>;
