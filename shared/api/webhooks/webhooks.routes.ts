import { invalid, notFound, unavailable, type Operation } from '../common/operation';
import {
  replayResponseSchema,
  webhookBodySchema,
  webhookListSchema,
  webhookParamsSchema,
  webhookResponseSchema,
} from './webhooks.schemas';

/** Push: webhook subscriptions to every change the feed serves. */
export const webhooksOperations = {
  putWebhook: {
    name: 'putWebhook',
    method: 'PUT',
    route: 'webhooks/{id}',
    authLevel: 'function',
    access: 'Profiles.Manage',
    summary: 'Creates or replaces a webhook subscription (a secret is generated when none is given)',
    params: webhookParamsSchema,
    body: webhookBodySchema,
    responses: {
      200: { description: 'Replaced', schema: webhookResponseSchema },
      201: {
        description: 'Created (with its generated secret, shown only now)',
        schema: webhookResponseSchema,
      },
      ...invalid,
      ...unavailable,
    },
  },
  listWebhooks: {
    name: 'listWebhooks',
    method: 'GET',
    route: 'webhooks',
    authLevel: 'function',
    access: 'Profiles.Manage',
    summary: 'Every webhook subscription',
    responses: { 200: { description: 'The subscriptions', schema: webhookListSchema }, ...unavailable },
  },
  getWebhook: {
    name: 'getWebhook',
    method: 'GET',
    route: 'webhooks/{id}',
    authLevel: 'function',
    access: 'Profiles.Manage',
    summary: 'A subscription with how its deliveries stand: failing, last error, dead letters',
    params: webhookParamsSchema,
    responses: {
      200: { description: 'The subscription', schema: webhookResponseSchema },
      ...notFound,
      ...unavailable,
    },
  },
  deleteWebhook: {
    name: 'deleteWebhook',
    method: 'DELETE',
    route: 'webhooks/{id}',
    authLevel: 'function',
    access: 'Profiles.Manage',
    summary: 'Removes a subscription, its state and its dead letters',
    params: webhookParamsSchema,
    responses: { 204: { description: 'Removed' }, ...notFound, ...unavailable },
  },
  replayWebhook: {
    name: 'replayWebhook',
    method: 'POST',
    route: 'webhooks/{id}/replay',
    authLevel: 'function',
    access: 'Profiles.Manage',
    summary: "Sends a subscription's dead-lettered events again; delivered ones leave the dead letters",
    params: webhookParamsSchema,
    responses: {
      200: { description: 'How many went, and how many failed again', schema: replayResponseSchema },
      ...notFound,
      ...unavailable,
    },
  },
} satisfies Record<string, Operation>;
