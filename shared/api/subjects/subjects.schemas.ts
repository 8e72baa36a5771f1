import { z } from 'zod';
import { REASONS, SOURCES } from '../../domain/model';
import {
  channelSchema,
  consentRecordSchema,
  contactPointSchema,
  instantSchema,
  LIMITS,
  text,
} from '../common/common.schemas';
import { historyEntrySchema } from '../consents/consents.schemas';

/** Contact points one data subject request names. */
export const SUBJECT_CONTACT_POINTS = 50;

const subjectContactPoints = z
  .array(z.strictObject({ channel: channelSchema, contactPoint: contactPointSchema }))
  .min(1)
  .max(SUBJECT_CONTACT_POINTS);

export const exportBodySchema = z.strictObject({ contactPoints: subjectContactPoints });
export type ExportBody = z.infer<typeof exportBodySchema>;

export const eraseBodySchema = z.strictObject({
  contactPoints: subjectContactPoints,
  reason: text(LIMITS.textLength)
    .optional()
    .describe('why (kept with the tombstone and in the audit): the request reference, not personal data'),
});
export type EraseBody = z.infer<typeof eraseBodySchema>;

export const pendingConfirmationSchema = z.object({
  profileId: z.string(),
  purposeId: z.string(),
  topicId: z.string().optional(),
  source: z.enum(SOURCES),
  reason: z.enum(REASONS),
  reasonDescription: z.string().optional(),
  expiresAt: z.string().optional(),
  requestedAt: z.string(),
  lapsesAt: z.string(),
  confirmedAt: z.string().optional(),
});

export const exportedContactPointSchema = z.object({
  channel: channelSchema,
  contactPoint: z.string(),
  erased: z.boolean(),
  erasedAt: z.string().optional(),
  records: z.array(consentRecordSchema),
  history: z.array(historyEntrySchema).describe('every entry, newest first'),
  pendingConfirmations: z.array(pendingConfirmationSchema),
  suppressions: z
    .array(
      z.object({
        kind: z.string(),
        at: z.string(),
        source: z.string(),
        detail: z.string().optional(),
      }),
    )
    .describe('delivery events of the address: bounces, complaints, manual suppressions, lifts'),
  providerEvents: z
    .array(z.object({ id: z.string(), at: z.string() }))
    .describe("messaging providers' events applied to this contact point (kept so a repeat changes nothing)"),
});
export const exportResponseSchema = z.object({
  exportedAt: z.string(),
  contactPoints: z.array(exportedContactPointSchema),
});
export type ExportedContactPoint = z.infer<typeof exportedContactPointSchema>;

export const ERASE_OUTCOMES = ['erased', 'notFound'] as const;
export const eraseResponseSchema = z.object({
  results: z.array(
    z.object({
      index: z.number().int(),
      outcome: z
        .enum(ERASE_OUTCOMES)
        .describe('notFound: nothing was held; the tombstone is written all the same'),
    }),
  ),
});
export type EraseResult = z.infer<typeof eraseResponseSchema>['results'][number];

export const auditQuerySchema = z.object({
  since: instantSchema.optional().describe('entries at or after this time'),
  continuationToken: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const auditEntrySchema = z.object({
  id: z.string(),
  type: z.enum(['erasure', 'export']),
  subject: z.string().describe('the keyed digest of channel and address; never the address'),
  channel: channelSchema,
  at: z.string(),
  actor: z.string(),
  actorId: z.string().optional(),
  onBehalfOf: z.string().optional(),
  reason: z.string().optional(),
});
export const auditResponseSchema = z.object({
  entries: z.array(auditEntrySchema),
  continuationToken: z.string().optional(),
});
