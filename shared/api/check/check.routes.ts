import { invalid, unavailable, notFound, tooLarge, type Operation } from '../common/operation';
import {
  checkBodySchema,
  checkResponseSchema,
  contactabilityQuerySchema,
  contactabilitySchema,
} from './check.schemas';

export const checkOperations = {
  check: {
    name: 'check',
    method: 'POST',
    route: 'check',
    authLevel: 'function',
    access: 'Consent.Check',
    summary: 'Decide, right before delivery, whether each message is sent and tracked',
    body: checkBodySchema,
    responses: {
      200: { description: 'Decisions in request order', schema: checkResponseSchema },
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
    access: 'Consent.Check',
    summary: 'Will send / will track for every purpose and topic of a profile',
    query: contactabilityQuerySchema,
    responses: {
      200: { description: 'Contactability', schema: contactabilitySchema },
      ...invalid,
      ...notFound,
      ...unavailable,
    },
  },
} satisfies Record<string, Operation>;
