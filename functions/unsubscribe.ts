import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { ValidationError } from '../shared/errors';
import { parseWith } from '../shared/http';
import { linkErrorPage, unsubscribeConfirmPage, unsubscribedPage } from '../shared/links/pages';
import { getServices } from '../shared/runtime';
import { linkTokenParamsSchema } from '../shared/schemas';
import { pageResponse, readForm, respondPage } from '../shared/web/page-http';

/** GET changes nothing: mail scanners open every link in a message. */
export async function unsubscribePage(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respondPage(context, linkErrorPage, async () => {
    const { token } = parseWith(linkTokenParamsSchema, request.params, 'path');
    return pageResponse(200, unsubscribeConfirmPage(await getServices().links.resolve(token)));
  });
}

/** RFC 8058: answers 200, never a redirect, needs no cookie; a repeat changes nothing. */
export async function unsubscribe(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respondPage(context, linkErrorPage, async () => {
    const { token } = parseWith(linkTokenParamsSchema, request.params, 'path');
    const links = getServices().links;
    await links.resolve(token);
    const form = await readForm(request);
    if (form.get('List-Unsubscribe')?.trim() !== 'One-Click') {
      throw new ValidationError('Not an unsubscribe request.', [
        { path: 'List-Unsubscribe', message: 'must be One-Click (RFC 8058)' },
      ]);
    }
    return pageResponse(200, unsubscribedPage((await links.unsubscribe(token)).link));
  });
}

const get = operations.unsubscribePage;
app.http(get.name, httpOptions(get, unsubscribePage));
const post = operations.unsubscribe;
app.http(post.name, httpOptions(post, unsubscribe));
