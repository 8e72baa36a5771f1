import { operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';
import { consentCenterPage } from '../shared/web/consent-center';
import { pageHeaders } from '../shared/web/page-http';

register(
  operations.listConsents,
  async ({ query: { limit, continuationToken, modifiedSince, ...filters } }) =>
    json(
      await getServices().list.list(
        { ...filters, ...(modifiedSince !== undefined ? { modifiedSince: Date.parse(modifiedSince) } : {}) },
        limit,
        continuationToken,
      ),
    ),
);

register(operations.contactView, async ({ body }) => json(await getServices().checks.contactView(body)));

/**
 * The page shell only: its script asks for the key (or uses the signed-in principal) and calls the
 * API. Where App Service authentication is on, only a signed-in admin gets it: anyone else is sent
 * to the platform's sign-in (unauthenticated requests stay allowed there for the key routes).
 */
register(operations.consentCenter, async ({ request }) => {
  if (getConfig().WEBSITE_AUTH_ENABLED && !request.headers.get('x-ms-client-principal')) {
    const back = encodeURIComponent(new URL(request.url).pathname);
    return {
      status: 302,
      headers: { ...pageHeaders(), location: `/.auth/login/aad?post_login_redirect_uri=${back}` },
    };
  }
  return { status: 200, headers: pageHeaders('self'), body: consentCenterPage() };
});
