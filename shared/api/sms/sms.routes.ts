import { problemSchema } from '../common/common.schemas';
import { z } from 'zod';
import {
  invalid,
  unavailable,
  tooLarge,
  eventGridHandshake,
  notEventGrid,
  type Operation,
} from '../common/operation';
import { ACS_BODIES, acsResponseSchema, eventGridDeliverySchema, twilioFormSchema } from './sms.schemas';

export const smsOperations = {
  smsTwilio: {
    name: 'smsTwilio',
    method: 'POST',
    route: 'sms/twilio',
    authLevel: 'anonymous',
    summary:
      "Twilio's inbound message webhook, authenticated by X-Twilio-Signature: STOP and START keywords become consent",
    body: twilioFormSchema,
    mediaTypes: { 'application/x-www-form-urlencoded': twilioFormSchema },
    // Read by the webhook itself: nothing is read from the form before its signature verifies.
    read: 'raw',
    responses: {
      200: {
        description:
          "Handled (a keyword applied, or nothing to do): empty TwiML, or the profile's reply to the keyword",
        schema: z.string(),
        contentType: 'text/xml',
      },
      403: {
        description: 'No or a wrong X-Twilio-Signature, or no TWILIO_AUTH_TOKEN set; nothing was written',
        schema: problemSchema,
      },
      413: { description: 'The body is larger than 64 KiB', schema: problemSchema },
      415: { description: 'The body is not application/x-www-form-urlencoded', schema: problemSchema },
      ...unavailable,
    },
  },
  smsAcs: {
    name: 'smsAcs',
    method: 'POST',
    route: 'sms/acs',
    authLevel: 'function',
    access: 'Consent.Write',
    summary:
      'Azure Communication Services SMSReceived events from Event Grid (Event Grid schema or CloudEvents): STOP and START keywords become consent',
    body: eventGridDeliverySchema,
    mediaTypes: ACS_BODIES,
    // Read by the webhook: the media type decides the schema of the delivery.
    read: 'raw',
    responses: {
      200: {
        description: 'The subscription validation answer, or how many SMSReceived events were handled',
        schema: acsResponseSchema,
      },
      ...invalid,
      ...tooLarge,
      ...notEventGrid,
      ...unavailable,
    },
  },
  smsAcsHandshake: eventGridHandshake('smsAcsHandshake', 'sms/acs'),
} satisfies Record<string, Operation>;
