import type { HttpFunctionOptions, HttpHandler } from '@azure/functions';
import { z } from 'zod';
import * as s from './schemas';
import { ACS_BODIES, acsResponseSchema, eventGridDeliverySchema } from './sms/event-grid';
import { EMPTY_TWIML, twilioFormSchema } from './sms/twilio';

export interface Operation {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** Route template under the `api` prefix, in Functions syntax (`profiles/{profileId}`). */
  route: string;
  authLevel: 'anonymous' | 'function';
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The body per media type, for a route that takes other media types than JSON. */
  mediaTypes?: Record<string, z.ZodType>;
  /** `contentType` for an answer that is neither JSON (2xx) nor problem+json (4xx, 5xx). */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  /** How errors are answered: problem+json (default), an HTML page, or the Dataverse error shape. */
  errors?: 'problem' | 'page' | 'dataverse';
}

const invalid = { 400: { description: 'The request is not valid', schema: s.problemSchema } };
const page = (description: string) => ({ description, contentType: 'text/html' });
/** The Dataverse routes answer errors in the Dataverse shape, never problem+json. */
const dataverseErrors = (statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: `Dataverse error ${status}`,
        schema: s.dataverseErrorSchema,
        contentType: 'application/json',
      },
    ]),
  );
/** What the link pages' forms send (RFC 8058 allows both). */
const FORM_BODIES = {
  'application/x-www-form-urlencoded': s.pageFormSchema,
  'multipart/form-data': s.pageFormSchema,
};
/** What every token page can answer besides its own page. */
const tokenPageErrors = {
  404: page(
    'The link is not valid (malformed, tampered, unknown key, expired, or naming what no longer exists)',
  ),
  503: page('Storage is unavailable: nothing changed, try again (Retry-After)'),
};
const unavailable = {
  503: { description: 'Consent storage is unavailable (Retry-After)', schema: s.problemSchema },
};
const notFound = { 404: { description: 'Not found', schema: s.problemSchema } };
const tooLarge = { 413: { description: 'The body is too large', schema: s.problemSchema } };
const capacity = {
  409: {
    description: 'A contact point would hold more than the store allows; nothing was written',
    schema: s.problemSchema,
  },
};

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
      409: {
        description: 'A purpose or topic id, or a text message number, belongs to another profile',
        schema: s.problemSchema,
      },
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
      ...capacity,
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
  getSubscriptionCenter: {
    name: 'getSubscriptionCenter',
    method: 'GET',
    route: 'subscription-center',
    authLevel: 'function',
    summary:
      "Subscription center prefill from the contact's flags and the consent of all its email addresses",
    query: s.subscriptionCenterQuerySchema,
    responses: {
      200: {
        description: 'DoNotEmail, DoNotBulkEmail and DoNotTrack to show',
        schema: s.subscriptionCenterSchema,
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
    summary: "Write the contact's choices to every purpose of the profile for each of its email addresses",
    body: s.subscriptionCenterBodySchema,
    responses: {
      200: { description: 'Outcome per record written', schema: s.upsertResponseSchema },
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
    summary: 'Preference center prefill: opted in where the message would be sent / tracked',
    query: s.preferenceCenterQuerySchema,
    responses: {
      200: { description: 'Prefill per purpose, topic and tracking', schema: s.preferenceCenterSchema },
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
    summary: 'Write the chosen purpose and topic records of one contact point',
    body: s.preferenceCenterBodySchema,
    responses: {
      200: { description: 'Outcome per choice, in request order', schema: s.upsertResponseSchema },
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
    summary: 'Load consent from contacts, leads or a subscription list (1..10000 members)',
    body: s.loadBodySchema,
    responses: {
      200: { description: 'Records created, updated and unchanged', schema: s.loadResponseSchema },
      ...invalid,
      ...tooLarge,
      ...capacity,
      ...unavailable,
    },
  },
  consentChanges: {
    name: 'consentChanges',
    method: 'GET',
    route: 'consents/changes',
    authLevel: 'function',
    summary: 'Every committed change, in commit order, from a cursor',
    query: s.changesQuerySchema,
    responses: {
      200: {
        description: 'Changes after the cursor and the cursor to continue from',
        schema: s.changesResponseSchema,
      },
      ...invalid,
      404: { description: 'The change feed is turned off (CHANGE_FEED_DAYS=0)', schema: s.problemSchema },
      410: { description: 'The cursor is older than the changes kept', schema: s.problemSchema },
      ...unavailable,
    },
  },
  createLinks: {
    name: 'createLinks',
    method: 'POST',
    route: 'links',
    authLevel: 'function',
    summary: 'Unsubscribe and preference links (and the RFC 8058 headers) for messages',
    body: s.linksBodySchema,
    responses: {
      200: { description: 'Links in request order', schema: s.linksResponseSchema },
      ...invalid,
      ...tooLarge,
      ...unavailable,
    },
  },
  unsubscribePage: {
    name: 'unsubscribePage',
    method: 'GET',
    route: 'unsubscribe/{token}',
    authLevel: 'anonymous',
    summary: 'The unsubscribe confirmation page; changes nothing (mail scanners open links)',
    params: s.linkTokenParamsSchema,
    errors: 'page',
    responses: { 200: page('The confirmation page'), ...tokenPageErrors },
  },
  unsubscribe: {
    name: 'unsubscribe',
    method: 'POST',
    route: 'unsubscribe/{token}',
    authLevel: 'anonymous',
    summary: 'RFC 8058 one-click unsubscribe: List-Unsubscribe=One-Click, form-encoded or multipart',
    params: s.linkTokenParamsSchema,
    mediaTypes: FORM_BODIES,
    errors: 'page',
    responses: {
      200: page('Unsubscribed (a repeat changes nothing)'),
      400: page('The body does not ask to unsubscribe (List-Unsubscribe=One-Click)'),
      ...tokenPageErrors,
    },
  },
  preferencesPage: {
    name: 'preferencesPage',
    method: 'GET',
    route: 'preferences/{token}',
    authLevel: 'anonymous',
    summary: 'The preference page of a link: a form that works without JavaScript',
    params: s.linkTokenParamsSchema,
    errors: 'page',
    responses: { 200: page('The preference page'), ...tokenPageErrors },
  },
  savePreferences: {
    name: 'savePreferences',
    method: 'POST',
    route: 'preferences/{token}',
    authLevel: 'anonymous',
    summary: 'Save the preference page: writes only the choices that changed',
    params: s.linkTokenParamsSchema,
    mediaTypes: FORM_BODIES,
    errors: 'page',
    responses: {
      200: page('The page with the new state and a saved notice'),
      409: page(
        'Nothing was saved: the form did not carry what its page showed (an old or forged form); the page is shown again as it is now',
      ),
      ...tokenPageErrors,
    },
  },
  requestConfirmation: {
    name: 'requestConfirmation',
    method: 'POST',
    route: 'consents/confirmations',
    authLevel: 'function',
    summary: 'Double opt-in: record a pending opt-in and get the link that confirms it',
    body: s.confirmationRequestSchema,
    responses: {
      202: {
        description: 'Pending until the person confirms through the link',
        schema: s.confirmationResponseSchema,
      },
      ...invalid,
      409: {
        description: 'Too many confirmations are waiting for this contact point; nothing was written',
        schema: s.problemSchema,
      },
      ...tooLarge,
      ...unavailable,
    },
  },
  confirmationPage: {
    name: 'confirmationPage',
    method: 'GET',
    route: 'confirm/{token}',
    authLevel: 'anonymous',
    summary: 'The double opt-in page: one confirm button; changes nothing (mail scanners open links)',
    params: s.linkTokenParamsSchema,
    errors: 'page',
    responses: { 200: page('The confirmation page'), ...tokenPageErrors },
  },
  confirm: {
    name: 'confirm',
    method: 'POST',
    route: 'confirm/{token}',
    authLevel: 'anonymous',
    summary: 'Confirm a double opt-in: writes the opt-in (a repeat changes nothing)',
    params: s.linkTokenParamsSchema,
    mediaTypes: FORM_BODIES,
    errors: 'page',
    responses: {
      200: page('Confirmed'),
      404: page('The link is not valid or its request lapsed: nothing was written'),
      503: tokenPageErrors[503],
    },
  },
  asset: {
    name: 'asset',
    method: 'GET',
    route: 'assets/{name}',
    authLevel: 'anonymous',
    summary: "The pages' static files (style sheets, scripts)",
    params: s.assetParamsSchema,
    errors: 'page',
    responses: { 200: { description: 'The file' }, 404: page('No such file') },
  },
  listConsents: {
    name: 'listConsents',
    method: 'GET',
    route: 'consents/list',
    authLevel: 'function',
    summary: 'Every stored record matching all the given filters, paged',
    query: s.listQuerySchema,
    responses: {
      200: {
        description: 'A page of records (fewer than limit may come while more follow)',
        schema: s.listResponseSchema,
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
    summary:
      "One person's contact points at a glance: what will send on each, for every profile, and why not",
    body: s.contactViewBodySchema,
    responses: {
      200: { description: 'Per contact point, in request order', schema: s.contactViewSchema },
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
  smsTwilio: {
    name: 'smsTwilio',
    method: 'POST',
    route: 'sms/twilio',
    authLevel: 'anonymous',
    summary:
      "Twilio's inbound message webhook, authenticated by X-Twilio-Signature: STOP and START keywords become consent",
    body: twilioFormSchema,
    mediaTypes: { 'application/x-www-form-urlencoded': twilioFormSchema },
    responses: {
      200: {
        description: 'Handled (a keyword applied, or nothing to do): empty TwiML',
        schema: z.literal(EMPTY_TWIML),
        contentType: 'text/xml',
      },
      403: {
        description: 'No or a wrong X-Twilio-Signature, or no TWILIO_AUTH_TOKEN set; nothing was written',
        schema: s.problemSchema,
      },
      413: { description: 'The body is larger than 64 KiB', schema: s.problemSchema },
      415: { description: 'The body is not application/x-www-form-urlencoded', schema: s.problemSchema },
      ...unavailable,
    },
  },
  smsAcs: {
    name: 'smsAcs',
    method: 'POST',
    route: 'sms/acs',
    authLevel: 'function',
    summary:
      'Azure Communication Services SMSReceived events from Event Grid (Event Grid schema or CloudEvents): STOP and START keywords become consent',
    body: eventGridDeliverySchema,
    mediaTypes: ACS_BODIES,
    responses: {
      200: {
        description: 'The subscription validation answer, or how many SMSReceived events were handled',
        schema: acsResponseSchema,
      },
      ...invalid,
      ...tooLarge,
      415: {
        description:
          'The body is not application/json, application/cloudevents+json or application/cloudevents-batch+json',
        schema: s.problemSchema,
      },
      ...unavailable,
    },
  },
  smsAcsHandshake: {
    name: 'smsAcsHandshake',
    method: 'OPTIONS',
    route: 'sms/acs',
    authLevel: 'function',
    summary:
      'CloudEvents abuse-protection handshake: WebHook-Request-Origin is answered with WebHook-Allowed-Origin',
    responses: {
      200: { description: 'Deliveries allowed: WebHook-Allowed-Origin and WebHook-Allowed-Rate set' },
      400: { description: 'No or a malformed WebHook-Request-Origin header', schema: s.problemSchema },
    },
  },
  dataverseGet: {
    name: 'dataverseGet',
    method: 'GET',
    route: 'data/v9.2/{*path}',
    authLevel: 'function',
    summary:
      'Dataverse Web API: msdynmkt_contactpointconsent4s, msdynmkt_purposes and msdynmkt_topics, a collection ($filter, $select, $top, Prefer: odata.maxpagesize) or one row by GUID',
    params: s.dataversePathSchema,
    errors: 'dataverse',
    responses: {
      200: {
        description: 'A page of rows with @odata.nextLink when more follow, or one row',
        schema: s.dataverseAnswerSchema,
      },
      ...dataverseErrors([400, 404, 503]),
    },
  },
  dataverseCreate: {
    name: 'dataverseCreate',
    method: 'POST',
    route: 'data/v9.2/{*path}',
    authLevel: 'function',
    summary:
      'Dataverse Web API: create a msdynmkt_contactpointconsent4 row (or update the one for the same key)',
    params: s.dataversePathSchema,
    body: s.dataverseRowBodySchema,
    errors: 'dataverse',
    responses: {
      201: { description: 'Created, with Prefer: return=representation', schema: s.dataverseAnswerSchema },
      204: { description: 'Created; OData-EntityId names the row' },
      ...dataverseErrors([400, 404, 405, 503]),
    },
  },
  dataverseUpdate: {
    name: 'dataverseUpdate',
    method: 'PATCH',
    route: 'data/v9.2/{*path}',
    authLevel: 'function',
    summary: 'Dataverse Web API: update a msdynmkt_contactpointconsent4 row (If-Match honoured)',
    params: s.dataversePathSchema,
    body: s.dataverseRowBodySchema,
    errors: 'dataverse',
    responses: {
      200: { description: 'Updated, with Prefer: return=representation', schema: s.dataverseAnswerSchema },
      204: { description: 'Updated' },
      ...dataverseErrors([400, 404, 405, 412, 503]),
    },
  },
  dataverseDelete: {
    name: 'dataverseDelete',
    method: 'DELETE',
    route: 'data/v9.2/{*path}',
    authLevel: 'function',
    summary: 'Refused: consent history is never deleted (set msdynmkt_value instead)',
    params: s.dataversePathSchema,
    errors: 'dataverse',
    responses: { ...dataverseErrors([404, 405]) },
  },
} satisfies Record<string, Operation>;

/** What `app.http` takes for an operation: its method, route and auth level, and the handler. */
export function httpOptions(op: Operation, handler: HttpHandler): HttpFunctionOptions {
  return { methods: [op.method], route: op.route, authLevel: op.authLevel, handler };
}
