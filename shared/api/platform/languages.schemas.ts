import { z } from 'zod';
import { LIMITS, text } from '../common/common.schemas';

/*
 * A profile's languages (API.md, Languages): translations of its names, address, descriptions and
 * text replies, by BCP 47 tag.
 */

const reply = text(320).min(1);
export const smsRepliesSchema = z
  .strictObject({
    helpText: reply
      .optional()
      .describe('the answer to HELP: program name, help contact, STOP, "Msg & data rates may apply"'),
    stopText: reply.optional().describe('the answer to STOP'),
    startText: reply.optional().describe('the answer to START'),
  })
  .describe('replies the Twilio webhook answers keywords with (none set: an empty answer)');

const named = z.strictObject({ name: text(LIMITS.nameLength).min(1), description: text(1000).optional() });

const translationSchema = z.strictObject({
  name: text(LIMITS.nameLength).min(1).optional(),
  companyAddress: text().optional(),
  purposes: z.record(z.string().max(100), named).optional(),
  topics: z.record(z.string().max(100), named).optional(),
  sms: smsRepliesSchema.optional(),
});

/** A tag as Intl spells it canonically: a translation under another spelling would never be found. */
const canonicalTag = z
  .string()
  .max(35)
  .refine(
    (tag) => {
      try {
        return Intl.getCanonicalLocales(tag)[0] === tag;
      } catch {
        return false;
      }
    },
    { message: 'a BCP 47 language tag in its canonical form, e.g. fr, pt-BR, zh-Hans' },
  );

export const translationsSchema = z
  .record(canonicalTag, translationSchema)
  .refine((t) => Object.keys(t).length <= 40, { message: 'at most 40 languages' })
  .describe('by BCP 47 tag: names, address, purpose and topic names and descriptions, text replies');
