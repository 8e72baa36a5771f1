import { z } from 'zod';
import { REASONS, SOURCES, STATUSES } from '../../domain/model';
import {
  channelSchema,
  consentRecordSchema,
  consentValueSchema,
  contactPointQuerySchema,
  contactPointSchema,
  idSchema,
  instantSchema,
  LIMITS,
  text,
} from '../common/common.schemas';

/** What a record says that is about the consent, not the consent itself: never a reason to refuse an opt-out. */
export const METADATA_FIELDS = [
  'source',
  'reason',
  'reasonDescription',
  'status',
  'owner',
  'capturedAt',
  'expiresAt',
] as const;

/** Fields of a record as returned: a record read back may be written back, and these are ignored. */
const READ_ONLY_FIELDS = ['id', 'createdAt', 'modifiedAt', 'modifiedBy', 'version', 'confirmation'] as const;
const ignored = (description: string) => z.unknown().optional().describe(description);

export const consentRecordInputSchema = z.strictObject({
  channel: channelSchema,
  contactPoint: contactPointSchema,
  purposeId: idSchema,
  topicId: idSchema.optional(),
  value: consentValueSchema,
  source: z.enum(SOURCES).default('internal'),
  reason: z.enum(REASONS).default('noReasons'),
  reasonDescription: text().optional(),
  status: z.enum(STATUSES).default('active'),
  owner: text(LIMITS.nameLength).optional(),
  capturedAt: instantSchema.optional(),
  expiresAt: instantSchema
    .optional()
    .describe('only an optedIn record expires; past this it counts as notSet (ignored on an opt-out)'),
  ifVersion: z
    .string()
    .max(40)
    .nullable()
    .optional()
    .describe(
      'write only if the stored record still has this version (null: only if none is stored); else outcome conflict',
    ),
  ...Object.fromEntries(READ_ONLY_FIELDS.map((field) => [field, ignored('read-only: ignored on a write')])),
});
export type ConsentRecordInput = Omit<
  z.infer<typeof consentRecordInputSchema>,
  (typeof READ_ONLY_FIELDS)[number]
>;

/** The fields of a record that name things, each kept only if it has the right shape on its own. */
const kept = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
export const consentReferencesSchema = z.object({
  channel: kept(channelSchema),
  contactPoint: kept(contactPointSchema),
  purposeId: kept(idSchema),
  topicId: kept(idSchema),
  capturedAt: kept(instantSchema),
});

const consentBatchSchema = z.object({
  records: z.array(consentRecordInputSchema).min(1).max(LIMITS.recordsPerUpsert),
});

/** As documented: one record, or `{ records }`. */
export const consentUpsertBodySchema = z.union([consentBatchSchema, consentRecordInputSchema]);

/**
 * What validates the envelope: a lone record is read as a batch of one, so errors name `records[i]`.
 * Each record is then validated on its own, so one response names every bad record and path.
 */
export const consentUpsertRequestSchema = z.preprocess(
  (body) =>
    typeof body === 'object' && body !== null && !Array.isArray(body) && !('records' in body)
      ? { records: [body] }
      : body,
  z.object({ records: z.array(z.unknown()).min(1).max(LIMITS.recordsPerUpsert) }),
);

export const contactPointConsentsSchema = z.object({
  channel: channelSchema,
  contactPoint: z.string(),
  records: z.array(consentRecordSchema),
  erased: z
    .literal(true)
    .optional()
    .describe('the person had this address erased; only what they did since is held'),
  erasedAt: z.string().optional(),
});

export const historyQuerySchema = contactPointQuerySchema.extend({
  purposeId: idSchema.optional(),
  topicId: idSchema.optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.historyPageMax).default(LIMITS.historyPageDefault),
  continuationToken: z.string().min(1).max(200).optional(),
});

export const historyEntrySchema = z.object({
  at: z.string(),
  actor: z.string(),
  actorId: z
    .string()
    .optional()
    .describe('the identity that made the change (its oid, else sub), when authenticated'),
  onBehalfOf: z.string().optional().describe('whom the actor said it acted for'),
  purposeId: z.string(),
  topicId: z.string().optional(),
  before: consentRecordSchema.nullable(),
  after: consentRecordSchema,
  source: z.enum(SOURCES),
});
export const historyResponseSchema = z.object({
  entries: z.array(historyEntrySchema),
  continuationToken: z.string().optional(),
});
