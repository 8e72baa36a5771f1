import { operations } from '../shared/api';
import { register } from '../shared/http';
import { preferencesPage } from '../shared/links/pages';
import { getServices } from '../shared/runtime';
import { pageResponse } from '../shared/web/page-http';

register(operations.preferencesPage, async ({ params }) =>
  pageResponse(200, preferencesPage(await getServices().links.preferences(params.token))),
);

/** Writes only what the person changed from what the page showed; 409 and the page again when it cannot tell. */
register(operations.savePreferences, async ({ params, body }) => {
  const saved = await getServices().links.savePreferences(params.token, body);
  return pageResponse(
    saved.outdated ? 409 : 200,
    preferencesPage(saved, { changed: saved.changed, outdated: saved.outdated }),
  );
});
