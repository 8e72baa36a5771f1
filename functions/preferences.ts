import { operations } from '../shared/api';
import { register } from '../shared/http';
import { requestLocale } from '../shared/links/page-language';
import { preferencesPage } from '../shared/links/pages';
import { getServices } from '../shared/runtime';
import { pageResponse } from '../shared/web/page-http';

register(operations.preferencesPage, async ({ params, request }) => {
  const view = await getServices().links.preferences(params.token);
  return pageResponse(
    200,
    preferencesPage(view, requestLocale(request, view.link.profile, view.link.claims.language)),
  );
});

/** Writes only what the person changed from what the page showed; 409 and the page again when it cannot tell. */
register(operations.savePreferences, async ({ params, body, request }) => {
  const saved = await getServices().links.savePreferences(params.token, body);
  const locale = requestLocale(request, saved.link.profile, saved.link.claims.language);
  return pageResponse(
    saved.outdated ? 409 : 200,
    preferencesPage(saved, locale, { changed: saved.changed, outdated: saved.outdated }),
  );
});
