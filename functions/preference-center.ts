import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { operations } from '../shared/api';
import { actorOf, json, readJson, readQuery, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { preferenceCenterBodySchema, preferenceCenterQuerySchema } from '../shared/schemas';

export async function getPreferenceCenter(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const { doNotEmail, doNotBulkEmail, doNotTrack, ...query } = readQuery(
      request,
      preferenceCenterQuerySchema,
    );
    const contact = { doNotEmail, doNotBulkEmail, doNotTrack };
    return json(await getServices().centers.preferencePrefill({ ...query, contact }));
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
app.http(get.name, {
  methods: [get.method],
  route: get.route,
  authLevel: get.authLevel,
  handler: getPreferenceCenter,
});
const submit = operations.submitPreferenceCenter;
app.http(submit.name, {
  methods: [submit.method],
  route: submit.route,
  authLevel: submit.authLevel,
  handler: submitPreferenceCenter,
});
