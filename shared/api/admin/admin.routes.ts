import { invalid, unavailable, notFound, page, type Operation } from '../common/operation';
import {
  contactViewBodySchema,
  contactViewSchema,
  listQuerySchema,
  listResponseSchema,
} from './admin.schemas';

export const adminOperations = {
  listConsents: {
    name: 'listConsents',
    method: 'GET',
    route: 'consents/list',
    authLevel: 'function',
    access: 'Consent.Read',
    summary: 'Every stored record matching all the given filters, paged',
    query: listQuerySchema,
    responses: {
      200: {
        description: 'A page of records (fewer than limit may come while more follow)',
        schema: listResponseSchema,
      },
      ...invalid,
      ...unavailable,
    },
  },
  contactView: {
    name: 'contactView',
    method: 'POST',
    route: 'contact-view',
    authLevel: 'function',
    access: 'Consent.Read',
    summary:
      "One person's contact points at a glance: what will send on each, for every profile, and why not",
    body: contactViewBodySchema,
    responses: {
      200: { description: 'Per contact point, in request order', schema: contactViewSchema },
      ...invalid,
      ...notFound,
      ...unavailable,
    },
  },
  consentCenter: {
    name: 'consentCenter',
    method: 'GET',
    route: 'consent-center',
    authLevel: 'anonymous',
    summary: 'The admin web page (holds no data: it calls the routes above with the function key)',
    errors: 'page',
    responses: {
      200: page('The page'),
      302: { description: 'App Service authentication is on and nobody is signed in: to its sign-in' },
    },
  },
} satisfies Record<string, Operation>;
