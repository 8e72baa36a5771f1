import { z } from 'zod';
import {
  AUDIENCES,
  CHANNELS,
  CONSENT_VALUES,
  type ContactFlags,
  ENFORCEMENT_MODELS,
  REASONS,
  SOURCES,
  STATUSES,
} from '../../domain/model';

/** Limits of the contract. */
export const LIMITS = {
  recordsPerUpsert: 1000,
  messagesPerCheck: 1000,
  membersPerLoad: 10_000,
  contactPointsPerSubscriptionCenter: 20,
  historyPageMax: 1000,
  historyPageDefault: 50,
  idLength: 64,
  nameLength: 200,
  textLength: 1000,
  contactPointLength: 1024,
  purposesPerProfile: 50,
  topicsPerPurpose: 100,
  smsNumbersPerProfile: 100,
} as const;

export const idSchema = z
  .string()
  .min(1)
  .max(LIMITS.idLength)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'letters, digits, ".", "_" and "-", starting with a letter or digit',
  );

export const text = (max: number = LIMITS.textLength) =>
  z
    .string()
    .max(max)
    .refine((s) => s.isWellFormed(), 'must be well-formed Unicode (no lone surrogates)');

export const channelSchema = z.enum(CHANNELS);
export const consentValueSchema = z.enum(CONSENT_VALUES);
export const enforcementModelSchema = z.enum(ENFORCEMENT_MODELS);
export const audienceSchema = z.enum(AUDIENCES);
/** A BCP 47 language tag as Intl canonicalizes it (`fr`, `pt-BR`, `zh-Hans`); anything else is refused. */
export const languageTagSchema = z
  .string()
  .max(35)
  .transform((tag, ctx) => {
    try {
      const [canonical] = Intl.getCanonicalLocales(tag);
      if (canonical && /^[A-Za-z0-9-]+$/.test(canonical)) return canonical;
    } catch {
      // not a language tag
    }
    ctx.addIssue({ code: 'custom', message: 'a BCP 47 language tag, e.g. fr or pt-BR' });
    return z.NEVER;
  });

export const contactPointSchema = z.string().min(1).max(LIMITS.contactPointLength);

/** A GUID as Dataverse writes it, kept lower-case. */
export const guidSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'a GUID')
  .transform((guid) => guid.toLowerCase());

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** A real instant in RFC 3339 form, with an offset; `t` and `z` may be lower-case (section 5.6). */
export function isRfc3339(text: string): boolean {
  const m = RFC3339.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second, offsetHours = 0, offsetMinutes = 0] = m
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  const date = new Date(Date.UTC(year!, month! - 1, day!));
  return (
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59
  );
}

/** An RFC 3339 instant, handed on upper-cased (`T`, `Z`) so every date parser reads it. */
export const instantSchema = z
  .string()
  .max(40)
  .refine(isRfc3339, 'an RFC 3339 date-time with an offset, e.g. 2026-11-01T10:00:00Z')
  .transform((text) => text.toUpperCase());

export const consentRecordSchema = z.object({
  id: z.uuid().describe('never changes: derived from channel, contact point, and purpose or topic'),
  channel: channelSchema,
  contactPoint: z.string(),
  purposeId: z.string(),
  topicId: z.string().optional(),
  value: consentValueSchema,
  source: z.enum(SOURCES),
  reason: z.enum(REASONS),
  reasonDescription: z.string().optional(),
  status: z.enum(STATUSES),
  owner: z.string().optional(),
  capturedAt: z.string(),
  expiresAt: z.string().optional().describe('an opt-in past this counts as notSet'),
  confirmation: z
    .object({ requestedAt: z.string(), confirmedAt: z.string() })
    .optional()
    .describe('the proof of a double opt-in'),
  createdAt: z.string(),
  modifiedAt: z.string(),
  modifiedBy: z.string(),
  version: z.string(),
});
export type ConsentRecord = z.infer<typeof consentRecordSchema>;

export const UPSERT_OUTCOMES = [
  'created',
  'updated',
  'unchanged',
  'stale',
  'conflict',
  'suppressed',
] as const;

export const upsertResultSchema = z.object({
  index: z.number().int(),
  outcome: z.enum(UPSERT_OUTCOMES),
  record: consentRecordSchema.optional().describe('the record as stored now; absent when none is stored'),
  ignored: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe("an opt-out's metadata that was ignored so the opt-out could be applied"),
});
export type UpsertResult = z.infer<typeof upsertResultSchema>;
export const upsertResponseSchema = z.object({ results: z.array(upsertResultSchema) });

export const contactPointQuerySchema = z.object({ channel: channelSchema, contactPoint: contactPointSchema });

export const flag = z.boolean().optional();
/** The contact's flags: a flag the service does not know is refused, never read as "allows". */
export const contactFlagsSchema = z.strictObject({
  doNotEmail: flag,
  doNotBulkEmail: flag,
  doNotTrack: flag,
});

/** Query-string booleans: `true`/`false` (also 1/0, yes/no). */
const queryFlag = z.stringbool().optional();
export const queryFlagsSchema = z.object({
  doNotEmail: queryFlag,
  doNotBulkEmail: queryFlag,
  doNotTrack: queryFlag,
});

/** Hands the contact's query flags on grouped, as the evaluation takes them. */
export function groupContactFlags<T extends ContactFlags>({
  doNotEmail,
  doNotBulkEmail,
  doNotTrack,
  ...rest
}: T) {
  return { ...rest, contact: { doNotEmail, doNotBulkEmail, doNotTrack } };
}

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z
    .array(z.object({ path: z.string(), message: z.string(), index: z.number().int().optional() }))
    .optional(),
});
