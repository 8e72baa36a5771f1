import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { actorOf, json, readJson, readQuery, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { subscriptionCenterBodySchema, subscriptionCenterQuerySchema } from '../shared/schemas';

export async function getSubscriptionCenter(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const query = readQuery(request, subscriptionCenterQuerySchema);
    return json(await getServices().centers.subscriptionPrefill(query));
  });
}

export async function submitSubscriptionCenter(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const body = await readJson(request, subscriptionCenterBodySchema);
    return json({ results: await getServices().centers.subscriptionSubmit(body, actorOf(request)) });
  });
}

const get = operations.getSubscriptionCenter;
app.http(get.name, httpOptions(get, getSubscriptionCenter));
const submit = operations.submitSubscriptionCenter;
app.http(submit.name, httpOptions(submit, submitSubscriptionCenter));
