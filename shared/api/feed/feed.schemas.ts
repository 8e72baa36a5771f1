import { z } from 'zod';
import { SOURCES } from '../../domain/model';
import { channelSchema, consentRecordSchema } from '../common/common.schemas';

export const changesQuerySchema = z.object({
  cursor: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('a cursor from a previous answer, or `now`; without one, from the oldest change kept'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const changeSchema = z.object({
  at: z.string(),
  actor: z.string(),
  actorId: z
    .string()
    .optional()
    .describe('the identity that made the change (its oid, else sub), when authenticated'),
  onBehalfOf: z.string().optional().describe('whom the actor said it acted for'),
  source: z.enum(SOURCES),
  channel: channelSchema,
  contactPoint: z.string(),
  subject: z
    .string()
    .describe(
      'the keyed digest of the contact point: an erasure names it so (keep it to erase on your side)',
    ),
  purposeId: z.string(),
  topicId: z.string().optional(),
  before: consentRecordSchema.nullable(),
  after: consentRecordSchema,
});
export const erasedChangeSchema = z
  .object({
    type: z.literal('erased'),
    at: z.string(),
    actor: z.string(),
    channel: channelSchema,
    subject: z.string().describe('the keyed digest of the erased address (never the address)'),
  })
  .describe("an erasure: the address's earlier changes are no longer served; syncing systems erase it too");
export const changesResponseSchema = z.object({
  changes: z.array(z.union([changeSchema, erasedChangeSchema])),
  cursor: z.string(),
});
