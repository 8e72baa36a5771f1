import { operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { json, register } from '../shared/http';
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
register(operations.confirmationPage, async ({ params }) =>
  pageResponse(200, confirmPage(await getServices().confirmations.view(params.token))),
);

register(operations.confirm, async ({ params }) => {
  const confirmations = getServices().confirmations;
  const confirmed = await confirmations.confirm(await confirmations.view(params.token));
  return pageResponse(200, confirmedPage(confirmed, confirmed.repeated));
});
