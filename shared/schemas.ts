import { z } from 'zod';
import { normalizeContactPoint } from './domain/contact-point';
import { BLOCK_REASONS, TRACKING_REASONS } from './domain/evaluate';
import {
  AUDIENCES,
  CHANNELS,
  CONSENT_VALUES,
  type ContactFlags,
  ENFORCEMENT_MODELS,
  PURPOSE_TYPES,
  REASONS,
  SOURCES,
  STATUSES,
} from './domain/model';

/** Limits of the contract, also listed in the README. */
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

const text = (max: number = LIMITS.textLength) =>
  z
    .string()
    .max(max)
    .refine((s) => s.isWellFormed(), 'must be well-formed Unicode (no lone surrogates)');

export const channelSchema = z.enum(CHANNELS);
export const consentValueSchema = z.enum(CONSENT_VALUES);
export const enforcementModelSchema = z.enum(ENFORCEMENT_MODELS);
export const audienceSchema = z.enum(AUDIENCES);
const contactPointSchema = z.string().min(1).max(LIMITS.contactPointLength);

export const enforcementSchema = z.union([
  enforcementModelSchema,
  z.strictObject({
    email: enforcementModelSchema,
    sms: enforcementModelSchema,
    voice: enforcementModelSchema,
    custom: enforcementModelSchema,
  }),
]);

/** A GUID as Dataverse writes it, kept lower-case. */
export const guidSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'a GUID')
  .transform((guid) => guid.toLowerCase());
const dataverseIdSchema = guidSchema
  .optional()
  .describe(
    'the GUID Dataverse clients use for it (unique across profiles); without one, a fixed UUID v5 of its id',
  );

export const topicSchema = z.object({
  id: idSchema,
  name: text(LIMITS.nameLength).min(1),
  dataverseId: dataverseIdSchema,
});

export const purposeSchema = z.object({
  id: idSchema,
  name: text(LIMITS.nameLength).min(1),
  type: z.enum(PURPOSE_TYPES),
  enforcement: enforcementSchema,
  dataverseId: dataverseIdSchema,
  topics: z.array(topicSchema).max(LIMITS.topicsPerPurpose).default([]),
  consentLifetimeDays: z
    .number()
    .int()
    .min(1)
    .max(3650)
    .optional()
    .describe('new opt-ins to this purpose and its topics expire this many days after their capture'),
});

/**
 * A number a profile sends text messages from, in international form (`+1 425-555-0100`), stored in
 * E.164 (`+14255550100`) so it compares equal to the `To` of the texts people send back.
 */
export const smsNumberSchema = z
  .string()
  .max(64)
  .transform((raw, ctx) => {
    // With a leading + the region plays no part: the number carries its own country code.
    const normalized = raw.trim().startsWith('+') ? normalizeContactPoint('sms', raw, 'US') : undefined;
    if (normalized?.ok) return normalized.address;
    ctx.addIssue({ code: 'custom', message: 'an international phone number, e.g. +14255550100' });
    return z.NEVER;
  })
  .pipe(z.string());

const smsNumbersSchema = z
  .array(smsNumberSchema)
  .max(LIMITS.smsNumbersPerProfile)
  .superRefine(
    (numbers, ctx) => {
      const seen = new Set<string>();
      numbers.forEach((number, i) => {
        if (typeof number !== 'string' || !/^\+\d+$/.test(number)) return;
        if (seen.has(number))
          ctx.addIssue({ code: 'custom', path: [i], message: 'the number is listed twice' });
        seen.add(number);
      });
    },
    // Also when another number is invalid: one answer names every problem.
    { when: (payload) => Array.isArray(payload.value) },
  )
  .describe('the numbers its text messages are sent from; unique across profiles');

export const profileBodySchema = z.object({
  id: idSchema.optional().describe('ignored if equal to the path; a different id is a 400'),
  name: text(LIMITS.nameLength).min(1),
  companyAddress: text().optional(),
  preferenceCenterUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
  purposes: z.array(purposeSchema).min(1).max(LIMITS.purposesPerProfile),
  smsNumbers: smsNumbersSchema.optional(),
});

export const profileSchema = profileBodySchema.extend({
  id: idSchema,
  version: z
    .number()
    .int()
    .optional()
    .describe("counts the changes to this profile: what a decision's evidence names (ignored on PUT)"),
});
export const profileParamsSchema = z.object({ profileId: idSchema });
export const profileListSchema = z.object({ profiles: z.array(profileSchema) });

export const settingsSchema = z.strictObject({ checkContactConsent: z.boolean() });

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
const isoInstant = instantSchema;

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
  capturedAt: isoInstant.optional(),
  expiresAt: isoInstant
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
  capturedAt: kept(isoInstant),
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

export const UPSERT_OUTCOMES = ['created', 'updated', 'unchanged', 'stale', 'conflict'] as const;

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
export const contactPointConsentsSchema = z.object({
  channel: channelSchema,
  contactPoint: z.string(),
  records: z.array(consentRecordSchema),
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

const flag = z.boolean().optional();
/** The contact's flags: a flag the service does not know is refused, never read as "allows". */
export const contactFlagsSchema = z.strictObject({
  doNotEmail: flag,
  doNotBulkEmail: flag,
  doNotTrack: flag,
});

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
});

export const checkBodySchema = z.strictObject({
  asOf: instantSchema
    .optional()
    .describe('decide every message as it would have been decided at this past time, from the history'),
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

const nullableValue = consentValueSchema.nullable();
const nullableModel = enforcementModelSchema.nullable();

export const linkSetSchema = z.object({
  unsubscribeUrl: z.string(),
  preferencesUrl: z.string(),
  headers: z
    .object({
      'List-Unsubscribe': z.string(),
      'List-Unsubscribe-Post': z.literal('List-Unsubscribe=One-Click'),
    })
    .optional()
    .describe('email only: the RFC 8058 headers for the message'),
});
export type LinkSet = z.infer<typeof linkSetSchema>;

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
});
export const checkResponseSchema = z.object({ decisions: z.array(decisionSchema) });

/** Query-string booleans: `true`/`false` (also 1/0, yes/no). */
const queryFlag = z.stringbool().optional();
export const queryFlagsSchema = z.object({
  doNotEmail: queryFlag,
  doNotBulkEmail: queryFlag,
  doNotTrack: queryFlag,
});

/** Hands the contact's query flags on grouped, as the evaluation takes them. */
function groupContactFlags<T extends ContactFlags>({ doNotEmail, doNotBulkEmail, doNotTrack, ...rest }: T) {
  return { ...rest, contact: { doNotEmail, doNotBulkEmail, doNotTrack } };
}

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
});

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  storage: z.enum(['ok', 'unavailable']),
});

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z
    .array(z.object({ path: z.string(), message: z.string(), index: z.number().int().optional() }))
    .optional(),
});

// Subscription center, preference center and load consent.

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
});
export const loadResponseSchema = z.object({ consent: loadCountsSchema, tracking: loadCountsSchema });
export type LoadCounts = z.infer<typeof loadResponseSchema>;

// Change feed.

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
  source: z.enum(SOURCES),
  channel: channelSchema,
  contactPoint: z.string(),
  purposeId: z.string(),
  topicId: z.string().optional(),
  before: consentRecordSchema.nullable(),
  after: consentRecordSchema,
});
export const changesResponseSchema = z.object({ changes: z.array(changeSchema), cursor: z.string() });

// Links, one-click unsubscribe and the preference page.

export const linkRequestSchema = z.object({
  channel: channelSchema,
  contactPoint: contactPointSchema,
  profileId: idSchema,
  purposeId: idSchema.optional(),
  topicId: idSchema.optional(),
  expiresAt: instantSchema.optional().describe('the links stop working after this; without it they never do'),
});
export type LinkRequest = z.infer<typeof linkRequestSchema>;

export const linksBodySchema = z.object({
  links: z.array(linkRequestSchema).min(1).max(1000),
});
export const linksResponseSchema = z.object({ links: z.array(linkSetSchema) });

export const confirmationRequestSchema = z.object({
  channel: channelSchema,
  contactPoint: contactPointSchema,
  profileId: idSchema,
  purposeId: idSchema,
  topicId: idSchema.optional(),
  source: z.enum(SOURCES).default('internal'),
  reason: z.enum(REASONS).default('noReasons'),
  reasonDescription: text().optional(),
  expiresAt: instantSchema.optional().describe("the opt-in's own expiry once confirmed"),
});
export type ConfirmationRequest = z.infer<typeof confirmationRequestSchema>;

export const confirmationResponseSchema = z.object({
  confirmUrl: z
    .string()
    .describe('send this to the contact point: the opt-in counts once the person confirms'),
  expiresAt: z.string().describe('when the link lapses'),
});

export const linkTokenParamsSchema = z.object({
  // Any text: what is not a token this service made is an invalid link (404), not a bad request.
  token: z.string().min(1).describe('the opaque token of a link made by this service'),
});

export const assetParamsSchema = z.object({ name: z.string().min(1).max(100) });

// Consent center (for admins).

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
      profiles: z.array(
        z.object({
          profileId: z.string(),
          willSendCommercial: z.boolean(),
          willSendTransactional: z.boolean(),
          willTrack: z.boolean(),
          purposes: contactabilityShape.purposes,
          tracking: contactabilityShape.tracking,
        }),
      ),
    }),
  ),
});
export type ContactView = z.infer<typeof contactViewSchema>;

/** The fields of a link page's form (checkbox names, `List-Unsubscribe`), each a text value. */
export const pageFormSchema = z.record(z.string(), z.string());

// Dataverse Web API.

export const dataversePathSchema = z.object({
  path: z
    .string()
    .describe(
      'msdynmkt_contactpointconsent4s, msdynmkt_purposes or msdynmkt_topics, with (<guid>) for one row',
    ),
});
export const dataverseErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export const dataverseAnswerSchema = z.record(z.string(), z.unknown());
export const dataverseRowBodySchema = z
  .record(z.string(), z.unknown())
  .describe('writable msdynmkt_contactpointconsent4 columns and @odata.bind lookups');
