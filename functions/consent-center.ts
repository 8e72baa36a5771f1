import { operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';
import { profileOf, reaches, requireScope } from '../shared/services/profile-scope';
import { consentCenterPage } from '../shared/web/consent-center';
import { pageHeaders } from '../shared/web/page-http';

register(
  operations.listConsents,
  async ({ query: { limit, continuationToken, modifiedSince, ...filters }, caller }) => {
    const { list, catalog } = getServices();
    const page = await list.list(
      { ...filters, ...(modifiedSince !== undefined ? { modifiedSince: Date.parse(modifiedSince) } : {}) },
      limit,
      continuationToken,
    );
    const scope = caller.scope('Consent.Read');
    if (scope === 'all') return json(page);
    // A page may hold fewer records than asked while more follow: the token still resumes exactly.
    const current = await catalog.current();
    return json({
      ...page,
      records: page.records.filter((r) => reaches(scope, profileOf(current, r.purposeId, r.topicId))),
    });
  },
);

register(operations.contactView, async ({ body, caller }) => {
  const scope = caller.scope('Consent.Read');
  if (body.profileId !== undefined)
    requireScope(scope, 'Consent.Read', [{ path: 'profileId', profileId: body.profileId, known: true }]);
  const view = await getServices().checks.contactView(body);
  if (scope === 'all') return json(view);
  return json({
    contactPoints: view.contactPoints.map((cp) => ({
      ...cp,
      profiles: cp.profiles.filter((p) => reaches(scope, p.profileId)),
    })),
  });
});

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
