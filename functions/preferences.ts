import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { parseWith } from '../shared/http';
import { linkErrorPage, preferencesPage } from '../shared/links/pages';
import { getServices } from '../shared/runtime';
import { linkTokenParamsSchema } from '../shared/schemas';
import { pageResponse, readForm, respondPage } from '../shared/web/page-http';

export async function showPreferences(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respondPage(context, linkErrorPage, async () => {
    const { token } = parseWith(linkTokenParamsSchema, request.params, 'path');
    return pageResponse(200, preferencesPage(await getServices().links.preferences(token)));
  });
}

export async function savePreferences(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respondPage(context, linkErrorPage, async () => {
    const { token } = parseWith(linkTokenParamsSchema, request.params, 'path');
    const links = getServices().links;
    await links.resolve(token);
    const saved = await links.savePreferences(token, await readForm(request));
    return pageResponse(
      saved.outdated ? 409 : 200,
      preferencesPage(saved, { changed: saved.changed, outdated: saved.outdated }),
    );
  });
}

const get = operations.preferencesPage;
app.http(get.name, httpOptions(get, showPreferences));
const post = operations.savePreferences;
app.http(post.name, httpOptions(post, savePreferences));
