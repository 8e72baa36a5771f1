import { operations } from '../shared/api';
import { ValidationError } from '../shared/errors';
import { register } from '../shared/http';
import { requestLocale } from '../shared/links/page-language';
import { unsubscribeConfirmPage, unsubscribedPage } from '../shared/links/pages';
import { getServices } from '../shared/runtime';
import { pageResponse } from '../shared/web/page-http';

/** GET changes nothing: mail scanners open every link in a message. */
register(operations.unsubscribePage, async ({ params, request }) => {
  const link = await getServices().links.resolve(params.token);
  return pageResponse(
    200,
    unsubscribeConfirmPage(link, requestLocale(request, link.profile, link.claims.language)),
  );
});

/** RFC 8058: answers 200, never a redirect, needs no cookie; a repeat changes nothing. */
register(operations.unsubscribe, async ({ params, body, request }) => {
  const links = getServices().links;
  await links.resolve(params.token);
  if (body.get('List-Unsubscribe')?.trim() !== 'One-Click') {
    throw new ValidationError('Not an unsubscribe request.', [
      { path: 'List-Unsubscribe', message: 'must be One-Click (RFC 8058)' },
    ]);
  }
  const { link } = await links.unsubscribe(params.token);
  return pageResponse(
    200,
    unsubscribedPage(link, requestLocale(request, link.profile, link.claims.language)),
  );
});
