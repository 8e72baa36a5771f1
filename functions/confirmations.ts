import { operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { json, register } from '../shared/http';
import { requestLocale } from '../shared/links/page-language';
import { confirmedPage, confirmPage } from '../shared/links/pages';
import { publicBaseUrl } from '../shared/public-url';
import { getServices } from '../shared/runtime';
import { requireScope } from '../shared/services/profile-scope';
import { pageResponse } from '../shared/web/page-http';

register(operations.requestConfirmation, async ({ body, caller, request }) => {
  requireScope(caller.scope('Consent.Write'), 'Consent.Write', [
    { path: 'profileId', profileId: body.profileId, known: true },
  ]);
  return json(await getServices().confirmations.request(body, publicBaseUrl(getConfig(), request.url)), 202);
});

/** GET changes nothing: mail scanners open every link in a message. */
register(operations.confirmationPage, async ({ params, request }) => {
  const view = await getServices().confirmations.view(params.token);
  return pageResponse(
    200,
    confirmPage(view, requestLocale(request, view.link.profile, view.link.claims.language)),
  );
});

register(operations.confirm, async ({ params, request }) => {
  const confirmations = getServices().confirmations;
  const confirmed = await confirmations.confirm(await confirmations.view(params.token));
  const locale = requestLocale(request, confirmed.link.profile, confirmed.link.claims.language);
  return pageResponse(200, confirmedPage(confirmed, confirmed.repeated, locale));
});
