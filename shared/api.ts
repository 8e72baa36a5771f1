import { z } from 'zod';
import * as s from './schemas';

export interface Operation {
  name: string;
  method: 'GET' | 'POST' | 'PUT';
  /** Route template under the `api` prefix, in Functions syntax (`profiles/{profileId}`). */
  route: string;
  authLevel: 'anonymous' | 'function';
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodType;
  body?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

const invalid = { 400: { description: 'The request is not valid', schema: s.problemSchema } };
const unavailable = {
  503: { description: 'Consent storage is unavailable (Retry-After)', schema: s.problemSchema },
};
const notFound = { 404: { description: 'Not found', schema: s.problemSchema } };
const tooLarge = { 413: { description: 'The body is too large', schema: s.problemSchema } };

/** Every route of the service: the functions register from here and openapi.json is generated from here. */
export const operations = {
  health: {
    name: 'health',
    method: 'GET',
    route: 'health',
    authLevel: 'anonymous',
    summary: 'Service and storage health',
    responses: {
      200: { description: 'Storage answers', schema: s.healthSchema },
      503: { description: 'Storage cannot be reached', schema: s.healthSchema },
    },
  },
  openapi: {
    name: 'openapi',
    method: 'GET',
    route: 'openapi.json',
    authLevel: 'anonymous',
    summary: 'This OpenAPI 3.1 document',
    responses: { 200: { description: 'The document' } },
  },
  listProfiles: {
    name: 'listProfiles',
    method: 'GET',
    route: 'profiles',
    authLevel: 'function',
    summary: 'List compliance profiles',
    responses: { 200: { description: 'Every profile', schema: s.profileListSchema }, ...unavailable },
  },
  getProfile: {
    name: 'getProfile',
    method: 'GET',
    route: 'profiles/{profileId}',
    authLevel: 'function',
    summary: 'Read a compliance profile',
    params: s.profileParamsSchema,
    responses: { 200: { description: 'The profile', schema: s.profileSchema }, ...notFound, ...unavailable },
  },
  putProfile: {
    name: 'putProfile',
    method: 'PUT',
    route: 'profiles/{profileId}',
    authLevel: 'function',
    summary: 'Create or replace a compliance profile',
    params: s.profileParamsSchema,
    body: s.profileBodySchema,
    responses: {
      200: { description: 'Replaced', schema: s.profileSchema },
      201: { description: 'Created', schema: s.profileSchema },
      ...invalid,
      409: { description: 'A purpose or topic id belongs to another profile', schema: s.problemSchema },
      ...unavailable,
    },
  },
  getSettings: {
    name: 'getSettings',
    method: 'GET',
    route: 'settings',
    authLevel: 'function',
    summary: 'Environment settings',
    responses: { 200: { description: 'The settings', schema: s.settingsSchema }, ...unavailable },
  },
  putSettings: {
    name: 'putSettings',
    method: 'PUT',
    route: 'settings',
    authLevel: 'function',
    summary: 'Change environment settings',
    body: s.settingsSchema,
    responses: { 200: { description: 'The settings', schema: s.settingsSchema }, ...invalid, ...unavailable },
  },
  upsertConsents: {
    name: 'upsertConsents',
    method: 'POST',
    route: 'consents',
    authLevel: 'function',
    summary: 'Create or update consent records (one, or up to 1000), each with its history entry',
    body: s.consentUpsertBodySchema,
    responses: {
      200: { description: 'Outcome per record, in request order', schema: s.upsertResponseSchema },
      ...invalid,
      ...tooLarge,
      ...unavailable,
    },
  },
  readConsents: {
    name: 'readConsents',
    method: 'GET',
    route: 'consents',
    authLevel: 'function',
    summary: 'Consent records of one contact point',
    query: s.contactPointQuerySchema,
    responses: {
      200: { description: 'The records', schema: s.contactPointConsentsSchema },
      ...invalid,
      ...unavailable,
    },
  },
  consentHistory: {
    name: 'consentHistory',
    method: 'GET',
    route: 'consents/history',
    authLevel: 'function',
    summary: 'History of a contact point, newest first, paged',
    query: s.historyQuerySchema,
    responses: {
      200: { description: 'A page of entries', schema: s.historyResponseSchema },
      ...invalid,
      ...unavailable,
    },
  },
  check: {
    name: 'check',
    method: 'POST',
    route: 'check',
    authLevel: 'function',
    summary: 'Decide, right before delivery, whether each message is sent and tracked',
    body: s.checkBodySchema,
    responses: {
      200: { description: 'Decisions in request order', schema: s.checkResponseSchema },
      ...invalid,
      ...tooLarge,
      ...unavailable,
    },
  },
  contactability: {
    name: 'contactability',
    method: 'GET',
    route: 'contactability',
    authLevel: 'function',
    summary: 'Will send / will track for every purpose and topic of a profile',
    query: s.contactabilityQuerySchema,
    responses: {
      200: { description: 'Contactability', schema: s.contactabilitySchema },
      ...invalid,
      ...notFound,
      ...unavailable,
    },
  },
} satisfies Record<string, Operation>;
