import { upsertResponseSchema } from '../common/common.schemas';
import { invalid, unavailable, notFound, tooLarge, capacity, type Operation } from '../common/operation';
import {
  loadBodySchema,
  loadRequestSchema,
  loadResponseSchema,
  preferenceCenterBodySchema,
  preferenceCenterQuerySchema,
  preferenceCenterSchema,
  subscriptionCenterBodySchema,
  subscriptionCenterQuerySchema,
  subscriptionCenterSchema,
} from './centers.schemas';

export const centersOperations = {
  getSubscriptionCenter: {
    name: 'getSubscriptionCenter',
    method: 'GET',
    route: 'subscription-center',
    authLevel: 'function',
    access: 'Consent.Read',
    summary:
      "Subscription center prefill from the contact's flags and the consent of all its email addresses",
    query: subscriptionCenterQuerySchema,
    responses: {
      200: {
        description: 'DoNotEmail, DoNotBulkEmail and DoNotTrack to show',
        schema: subscriptionCenterSchema,
      },
      ...invalid,
      ...notFound,
      ...unavailable,
    },
  },
  submitSubscriptionCenter: {
    name: 'submitSubscriptionCenter',
    method: 'POST',
    route: 'subscription-center',
    authLevel: 'function',
    access: 'Consent.Write',
    summary: "Write the contact's choices to every purpose of the profile for each of its email addresses",
    body: subscriptionCenterBodySchema,
    responses: {
      200: { description: 'Outcome per record written', schema: upsertResponseSchema },
      ...invalid,
      ...capacity,
      ...unavailable,
    },
  },
  getPreferenceCenter: {
    name: 'getPreferenceCenter',
    method: 'GET',
    route: 'preference-center',
    authLevel: 'function',
    access: 'Consent.Read',
    summary: 'Preference center prefill: opted in where the message would be sent / tracked',
    query: preferenceCenterQuerySchema,
    responses: {
      200: { description: 'Prefill per purpose, topic and tracking', schema: preferenceCenterSchema },
      ...invalid,
      ...notFound,
      ...unavailable,
    },
  },
  submitPreferenceCenter: {
    name: 'submitPreferenceCenter',
    method: 'POST',
    route: 'preference-center',
    authLevel: 'function',
    access: 'Consent.Write',
    summary: 'Write the chosen purpose and topic records of one contact point',
    body: preferenceCenterBodySchema,
    responses: {
      200: { description: 'Outcome per choice, in request order', schema: upsertResponseSchema },
      ...invalid,
      ...capacity,
      ...unavailable,
    },
  },
  loadConsents: {
    name: 'loadConsents',
    method: 'POST',
    route: 'consents/load',
    authLevel: 'function',
    access: 'Consent.Write',
    summary: 'Load consent from contacts, leads or a subscription list (1..10000 members)',
    body: loadBodySchema,
    parse: { body: loadRequestSchema },
    responses: {
      200: { description: 'Records created, updated and unchanged', schema: loadResponseSchema },
      ...invalid,
      ...tooLarge,
      ...capacity,
      ...unavailable,
    },
  },
} satisfies Record<string, Operation>;
