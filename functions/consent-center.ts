import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { json, readJson, readQuery, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { contactViewBodySchema, listQuerySchema } from '../shared/schemas';
import { consentCenterPage } from '../shared/web/consent-center';
import { pageHeaders } from '../shared/web/page-http';

export async function listConsents(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const { limit, continuationToken, modifiedSince, ...filters } = readQuery(request, listQuerySchema);
    return json(
      await getServices().list.list(
        { ...filters, ...(modifiedSince !== undefined ? { modifiedSince: Date.parse(modifiedSince) } : {}) },
        limit,
        continuationToken,
      ),
    );
  });
}

export async function contactView(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const body = await readJson(request, contactViewBodySchema);
    return json(await getServices().checks.contactView(body));
  });
}

/**
 * The page shell only: its script asks for the key (or uses the signed-in principal) and calls the
 * API. Where App Service authentication is on, only a signed-in admin gets it: anyone else is sent
 * to the platform's sign-in (unauthenticated requests stay allowed there for the key routes).
 */
export async function consentCenter(request: HttpRequest): Promise<HttpResponseInit> {
  if (getConfig().WEBSITE_AUTH_ENABLED && !request.headers.get('x-ms-client-principal')) {
    const back = encodeURIComponent(new URL(request.url).pathname);
    return {
      status: 302,
      headers: { ...pageHeaders(), location: `/.auth/login/aad?post_login_redirect_uri=${back}` },
    };
  }
  return { status: 200, headers: pageHeaders('self'), body: consentCenterPage() };
}

const list = operations.listConsents;
app.http(list.name, httpOptions(list, listConsents));
const view = operations.contactView;
app.http(view.name, httpOptions(view, contactView));
const center = operations.consentCenter;
app.http(center.name, httpOptions(center, consentCenter));
