import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { json, parseWith, readJson, respond } from '../shared/http';
import { confirmedPage, confirmPage, linkErrorPage } from '../shared/links/pages';
import { publicBaseUrl } from '../shared/public-url';
import { getServices } from '../shared/runtime';
import { confirmationRequestSchema, linkTokenParamsSchema } from '../shared/schemas';
import { pageResponse, readForm, respondPage } from '../shared/web/page-http';

export async function requestConfirmation(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const body = await readJson(request, confirmationRequestSchema);
    const answer = await getServices().confirmations.request(body, publicBaseUrl(getConfig(), request.url));
    return json(answer, 202);
  });
}

/** GET changes nothing: mail scanners open every link in a message. */
export async function confirmationPage(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respondPage(context, linkErrorPage, async () => {
    const { token } = parseWith(linkTokenParamsSchema, request.params, 'path');
    return pageResponse(200, confirmPage(await getServices().confirmations.view(token)));
  });
}

export async function confirm(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return respondPage(context, linkErrorPage, async () => {
    const { token } = parseWith(linkTokenParamsSchema, request.params, 'path');
    const confirmations = getServices().confirmations;
    const view = await confirmations.view(token);
    await readForm(request);
    const confirmed = await confirmations.confirm(view);
    return pageResponse(200, confirmedPage(confirmed, confirmed.repeated));
  });
}

const create = operations.requestConfirmation;
app.http(create.name, httpOptions(create, requestConfirmation));
const get = operations.confirmationPage;
app.http(get.name, httpOptions(get, confirmationPage));
const post = operations.confirm;
app.http(post.name, httpOptions(post, confirm));
