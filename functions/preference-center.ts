import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { actorOf, json, readJson, readQuery, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { preferenceCenterBodySchema, preferenceCenterQuerySchema } from '../shared/schemas';

export async function getPreferenceCenter(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const query = readQuery(request, preferenceCenterQuerySchema);
    return json(await getServices().centers.preferencePrefill(query));
  });
}

export async function submitPreferenceCenter(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const body = await readJson(request, preferenceCenterBodySchema);
    return json({ results: await getServices().centers.preferenceSubmit(body, actorOf(request)) });
  });
}

const get = operations.getPreferenceCenter;
app.http(get.name, httpOptions(get, getPreferenceCenter));
const submit = operations.submitPreferenceCenter;
app.http(submit.name, httpOptions(submit, submitPreferenceCenter));
