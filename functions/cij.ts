import { operations } from '../shared/api';
import { consentForMessage } from '../shared/cij/consent-provider';
import { getConfig } from '../shared/config';
import { json, register } from '../shared/http';
import { publicBaseUrl } from '../shared/public-url';
import { getServices } from '../shared/runtime';

register(operations.cijConsentCheck, async ({ body, caller, request }) =>
  json(
    await consentForMessage(
      body,
      getServices(),
      caller.scope('Consent.Check'),
      publicBaseUrl(getConfig(), request.url),
    ),
  ),
);
