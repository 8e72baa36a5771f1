import { z } from 'zod';
import { ACS_BODIES } from '../sms/sms.schemas';
import { problemSchema } from '../common/common.schemas';
import {
  invalid,
  tooLarge,
  unavailable,
  eventGridHandshake,
  notEventGrid,
  type Operation,
} from '../common/operation';
import {
  deliveryResponseSchema,
  reviewBodySchema,
  reviewResponseSchema,
  sendgridDeliverySchema,
  sendgridResponseSchema,
  suppressionQuerySchema,
  suppressionsBodySchema,
  suppressionsResponseSchema,
  suppressionViewSchema,
} from './deliverability.schemas';

const forbidden = {
  403: {
    description: 'The role does not reach every profile (a suppression concerns them all)',
    schema: problemSchema,
  },
};

/** Deliverability: suppressions, the providers' delivery events, and the review before a send. */
export const deliverabilityOperations = {
  addSuppressions: {
    name: 'addSuppressions',
    method: 'POST',
    route: 'suppressions',
    authLevel: 'function',
    access: 'Consent.Write',
    summary: 'Records 1..1000 bounces, complaints or manual suppressions',
    body: suppressionsBodySchema,
    responses: {
      200: {
        description: 'Whether each address is now suppressed, in request order',
        schema: suppressionsResponseSchema,
      },
      ...invalid,
      ...forbidden,
      ...tooLarge,
      ...unavailable,
    },
  },
  getSuppression: {
    name: 'getSuppression',
    method: 'GET',
    route: 'suppressions',
    authLevel: 'function',
    access: 'Consent.Read',
    summary: 'Whether an address is suppressed on its channel, and its delivery events',
    query: suppressionQuerySchema,
    responses: {
      200: { description: 'The suppression', schema: suppressionViewSchema },
      ...invalid,
      ...unavailable,
    },
  },
  liftSuppression: {
    name: 'liftSuppression',
    method: 'DELETE',
    route: 'suppressions',
    authLevel: 'function',
    access: 'Consent.Write',
    summary: 'Lifts a bounce or manual suppression (a complaint: 409)',
    query: suppressionQuerySchema,
    responses: {
      200: { description: 'The suppression after lifting', schema: suppressionViewSchema },
      ...invalid,
      ...forbidden,
      409: { description: 'The address complained: its suppression cannot be lifted', schema: problemSchema },
      ...unavailable,
    },
  },
  acsEmailEvents: {
    name: 'acsEmailEvents',
    method: 'POST',
    route: 'events/acs-email',
    authLevel: 'function',
    access: 'Consent.Write',
    summary:
      'Azure Communication Services EmailDeliveryReportReceived events from Event Grid: bounces suppress, deliveries end a soft bounce streak',
    body: z.array(z.unknown()),
    mediaTypes: ACS_BODIES,
    read: 'raw',
    responses: {
      200: {
        description: 'The subscription validation answer, or the events handled',
        schema: deliveryResponseSchema,
      },
      ...invalid,
      ...forbidden,
      ...tooLarge,
      ...notEventGrid,
      ...unavailable,
    },
  },
  acsEmailHandshake: eventGridHandshake('acsEmailHandshake', 'events/acs-email'),
  sendgridEvents: {
    name: 'sendgridEvents',
    method: 'POST',
    route: 'events/sendgrid',
    authLevel: 'anonymous',
    summary:
      'The SendGrid Event Webhook, authenticated by its ECDSA signature: bounces and spam reports suppress, unsubscribes opt out',
    body: sendgridDeliverySchema,
    // Read by the webhook itself: nothing is read before the signature over the raw body verifies.
    read: 'raw',
    responses: {
      200: { description: 'The events handled', schema: sendgridResponseSchema },
      400: { description: 'The body is no JSON array of events', schema: problemSchema },
      403: {
        description:
          'No or a wrong X-Twilio-Email-Event-Webhook-Signature, a stale timestamp, or no SENDGRID_WEBHOOK_PUBLIC_KEY set; nothing was written',
        schema: problemSchema,
      },
      ...tooLarge,
      ...unavailable,
    },
  },
  reviewMessage: {
    name: 'reviewMessage',
    method: 'POST',
    route: 'messages/review',
    authLevel: 'function',
    access: 'Consent.Check',
    summary:
      '"Ready to send": what a commercial message lacks (company address, unsubscribe link, one-click headers, STOP)',
    body: reviewBodySchema,
    responses: {
      200: { description: 'The findings (it warns; it blocks nothing)', schema: reviewResponseSchema },
      ...invalid,
      ...tooLarge,
      ...unavailable,
    },
  },
} satisfies Record<string, Operation>;
