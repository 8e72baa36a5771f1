import { problemSchema } from '../common/common.schemas';
import { invalid, tooLarge, unavailable, type Operation } from '../common/operation';
import { cijRequestSchema, cijResponseSchema } from './cij.schemas';

/** Customer Insights - Journeys' external consent provider: the custom API its plugin forwards. */
export const cijOperations = {
  cijConsentCheck: {
    name: 'cijConsentCheck',
    method: 'POST',
    route: 'cij/consent-check',
    authLevel: 'function',
    access: 'Consent.Check',
    summary:
      'The consent-provider check of Customer Insights - Journeys: consent for each contact point of a send, and its unsubscribe URLs',
    body: cijRequestSchema,
    responses: {
      200: { description: 'One answer per contact point, in request order', schema: cijResponseSchema },
      ...invalid,
      403: { description: 'The role does not reach the compliance profile', schema: problemSchema },
      ...tooLarge,
      ...unavailable,
    },
  },
} satisfies Record<string, Operation>;
