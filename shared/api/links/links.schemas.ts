import { z } from 'zod';
import { REASONS, SOURCES } from '../../domain/model';
import {
  channelSchema,
  contactPointSchema,
  idSchema,
  instantSchema,
  languageTagSchema,
  text,
} from '../common/common.schemas';

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

// Links, one-click unsubscribe and the preference page.

export const linkRequestSchema = z.object({
  channel: channelSchema,
  contactPoint: contactPointSchema,
  profileId: idSchema,
  purposeId: idSchema.optional(),
  topicId: idSchema.optional(),
  expiresAt: instantSchema.optional().describe('the links stop working after this; without it they never do'),
  language: languageTagSchema.optional().describe('the language its pages are served in (a BCP 47 tag)'),
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
  language: languageTagSchema.optional().describe('the language its confirmation page is served in'),
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

/** The fields of a link page's form (checkbox names, `List-Unsubscribe`), each a text value. */
export const pageFormSchema = z.record(z.string(), z.string());
