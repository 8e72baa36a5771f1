import { contactPointQuerySchema, upsertResponseSchema } from '../common/common.schemas';
import { capacity, invalid, tooLarge, unavailable, type Operation } from '../common/operation';
import {
  consentUpsertBodySchema,
  consentUpsertRequestSchema,
  contactPointConsentsSchema,
  historyQuerySchema,
  historyResponseSchema,
} from './consents.schemas';

export const consentsOperations = {
  upsertConsents: {
    name: 'upsertConsents',
    method: 'POST',
    route: 'consents',
    authLevel: 'function',
    access: 'Consent.Write',
    summary: 'Create or update consent records (one, or up to 1000), each with its history entry',
    body: consentUpsertBodySchema,
    parse: { body: consentUpsertRequestSchema },
    responses: {
      200: { description: 'Outcome per record, in request order', schema: upsertResponseSchema },
      ...invalid,
      ...tooLarge,
      ...capacity,
      ...unavailable,
    },
  },
  readConsents: {
    name: 'readConsents',
    method: 'GET',
    route: 'consents',
    authLevel: 'function',
    access: 'Consent.Read',
    summary: 'Consent records of one contact point',
    query: contactPointQuerySchema,
    responses: {
      200: { description: 'The records', schema: contactPointConsentsSchema },
      ...invalid,
      ...unavailable,
    },
  },
  consentHistory: {
    name: 'consentHistory',
    method: 'GET',
    route: 'consents/history',
    authLevel: 'function',
    access: 'Consent.Read',
    summary: 'History of a contact point, newest first, paged',
    query: historyQuerySchema,
    responses: {
      200: { description: 'A page of entries', schema: historyResponseSchema },
      ...invalid,
      ...unavailable,
    },
  },
} satisfies Record<string, Operation>;
