import { z } from 'zod';
import { CAP_WINDOWS, MAX_CAP } from '../../domain/frequency-caps';
import { CHANNELS, PURPOSE_TYPES } from '../../domain/model';
import { isCalendarDate, isClockTime, isTimeZone, WEEKDAYS } from '../../domain/quiet-times';
import { channelSchema } from '../common/common.schemas';

/*
 * The send rules a profile may carry beside consent (API.md, "Quiet times and frequency caps"): an
 * unknown time zone, a bad time, day or date, or a cap that is not a positive integer is a 400.
 */

export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isTimeZone, { message: 'an IANA time zone, e.g. Europe/Berlin' });

const clockTime = z.string().refine(isClockTime, { message: 'a time of day HH:MM, e.g. 21:00' });
const calendarDate = z.string().refine(isCalendarDate, { message: 'a date YYYY-MM-DD' });
const sendPurposeTypes = z
  .array(z.enum(PURPOSE_TYPES).exclude(['tracking']))
  .min(1)
  .max(2);

const quietRuleSchema = z.strictObject({
  channels: z.array(channelSchema).min(1).max(CHANNELS.length),
  purposeTypes: sendPurposeTypes,
  days: z.array(z.enum(WEEKDAYS)).min(1).max(7),
  from: clockTime,
  to: clockTime.describe('before `from`: the quiet time spans midnight; equal to it: the whole day'),
});

const quietDatesSchema = z
  .strictObject({
    from: calendarDate,
    to: calendarDate,
    channels: z.array(channelSchema).min(1).max(CHANNELS.length).optional(),
    purposeTypes: sendPurposeTypes.optional(),
  })
  .refine((d) => d.from <= d.to, { message: '`to` is before `from`', path: ['to'] });

export const quietTimesSchema = z
  .strictObject({
    timeZone: timeZoneSchema.describe("the profile's time zone, used when a message gives none"),
    rules: z.array(quietRuleSchema).max(50).default([]),
    dates: z.array(quietDatesSchema).max(100).optional(),
  })
  .describe('hours and dates when messages are held (blocked with quiet-time and a retryAt)');

const capSchema = z.number().int().min(1).max(MAX_CAP);
const frequencyCapSchema = z.strictObject(
  Object.fromEntries(Object.keys(CAP_WINDOWS).map((w) => [w, capSchema.optional()])) as Record<
    keyof typeof CAP_WINDOWS,
    z.ZodOptional<typeof capSchema>
  >,
);

export const frequencyCapsSchema = z
  .strictObject(
    Object.fromEntries(CHANNELS.map((c) => [c, frequencyCapSchema.optional()])) as Record<
      (typeof CHANNELS)[number],
      z.ZodOptional<typeof frequencyCapSchema>
    >,
  )
  .describe(
    'at most n commercial messages sent to one contact point per channel in the rolling day, week (7 days), month (30 days)',
  );
