import { problemSchema } from '../common/common.schemas';
import { invalid, unavailable, tooLarge, page, type Operation } from '../common/operation';
import {
  confirmationRequestSchema,
  confirmationResponseSchema,
  linkTokenParamsSchema,
  linksBodySchema,
  linksResponseSchema,
  pageFormSchema,
} from './links.schemas';

/** What the link pages' forms send (RFC 8058 allows both). */
const FORM_BODIES = {
  'application/x-www-form-urlencoded': pageFormSchema,
  'multipart/form-data': pageFormSchema,
};
/** What every token page can answer besides its own page. */
const tokenPageErrors = {
  404: page(
    'The link is not valid (malformed, tampered, unknown key, expired, or naming what no longer exists)',
  ),
  503: page('Storage is unavailable: nothing changed, try again (Retry-After)'),
};

export const linksOperations = {
  createLinks: {
    name: 'createLinks',
    method: 'POST',
    route: 'links',
    authLevel: 'function',
    access: 'Consent.Check',
    summary: 'Unsubscribe and preference links (and the RFC 8058 headers) for messages',
    body: linksBodySchema,
    responses: {
      200: { description: 'Links in request order', schema: linksResponseSchema },
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
    params: linkTokenParamsSchema,
    errors: 'page',
    responses: { 200: page('The confirmation page'), ...tokenPageErrors },
  },
  unsubscribe: {
    name: 'unsubscribe',
    method: 'POST',
    route: 'unsubscribe/{token}',
    authLevel: 'anonymous',
    summary: 'RFC 8058 one-click unsubscribe: List-Unsubscribe=One-Click, form-encoded or multipart',
    params: linkTokenParamsSchema,
    mediaTypes: FORM_BODIES,
    read: 'form',
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
    params: linkTokenParamsSchema,
    errors: 'page',
    responses: { 200: page('The preference page'), ...tokenPageErrors },
  },
  savePreferences: {
    name: 'savePreferences',
    method: 'POST',
    route: 'preferences/{token}',
    authLevel: 'anonymous',
    summary: 'Save the preference page: writes only the choices that changed',
    params: linkTokenParamsSchema,
    mediaTypes: FORM_BODIES,
    read: 'form',
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
    access: 'Consent.Write',
    summary: 'Double opt-in: record a pending opt-in and get the link that confirms it',
    body: confirmationRequestSchema,
    responses: {
      202: {
        description: 'Pending until the person confirms through the link',
        schema: confirmationResponseSchema,
      },
      ...invalid,
      409: {
        description: 'Too many confirmations are waiting for this contact point; nothing was written',
        schema: problemSchema,
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
    params: linkTokenParamsSchema,
    errors: 'page',
    responses: { 200: page('The confirmation page'), ...tokenPageErrors },
  },
  confirm: {
    name: 'confirm',
    method: 'POST',
    route: 'confirm/{token}',
    authLevel: 'anonymous',
    summary: 'Confirm a double opt-in: writes the opt-in (a repeat changes nothing)',
    params: linkTokenParamsSchema,
    mediaTypes: FORM_BODIES,
    read: 'form',
    errors: 'page',
    responses: {
      200: page('Confirmed'),
      404: page('The link is not valid or its request lapsed: nothing was written'),
      503: tokenPageErrors[503],
    },
  },
} satisfies Record<string, Operation>;
