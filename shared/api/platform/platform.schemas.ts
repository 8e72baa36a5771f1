import { z } from 'zod';
import { normalizeContactPoint } from '../../domain/contact-point';
import { PURPOSE_TYPES } from '../../domain/model';
import {
  enforcementModelSchema,
  guidSchema,
  idSchema,
  languageTagSchema,
  LIMITS,
  text,
} from '../common/common.schemas';
import { smsRepliesSchema, translationsSchema } from './languages.schemas';
import { frequencyCapsSchema, quietTimesSchema } from './send-rules.schemas';

export const enforcementSchema = z.union([
  enforcementModelSchema,
  z.strictObject({
    email: enforcementModelSchema,
    sms: enforcementModelSchema,
    voice: enforcementModelSchema,
    custom: enforcementModelSchema,
  }),
]);

const dataverseIdSchema = guidSchema
  .optional()
  .describe(
    'the GUID Dataverse clients use for it (unique across profiles); without one, a fixed UUID v5 of its id',
  );

const descriptionSchema = text(1000)
  .optional()
  .describe('shown on the preference page and in the consent center');

export const topicSchema = z.object({
  id: idSchema,
  name: text(LIMITS.nameLength).min(1),
  description: descriptionSchema,
  dataverseId: dataverseIdSchema,
});

export const purposeSchema = z.object({
  id: idSchema,
  name: text(LIMITS.nameLength).min(1),
  description: descriptionSchema,
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
  dataverseId: dataverseIdSchema,
  purposes: z.array(purposeSchema).min(1).max(LIMITS.purposesPerProfile),
  smsNumbers: smsNumbersSchema.optional(),
  defaultLanguage: languageTagSchema
    .optional()
    .describe('BCP 47; its pages and names are in it by default (en)'),
  translations: translationsSchema.optional(),
  sms: smsRepliesSchema.optional(),
  quietTimes: quietTimesSchema.optional(),
  frequencyCaps: frequencyCapsSchema.optional(),
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

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  storage: z.enum(['ok', 'unavailable']),
});

export const assetParamsSchema = z.object({
  path: z.string().min(1).max(200).describe('a file of the pages, e.g. pages.css or consent-center/main.js'),
});

export const callerSchema = z.object({
  authMode: z.enum(['keys', 'entra']),
  actor: z.string().describe('the name written as the actor of the changes this caller makes'),
  actorId: z.string().optional().describe('the identity (oid, else sub) under entra'),
  roles: z
    .array(z.string())
    .describe(
      'global (`Consent.Read`) or scoped to a profile (`Consent.Read:brand-a`); a function key holds every role',
    ),
});
