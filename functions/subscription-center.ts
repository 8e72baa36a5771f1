import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { operations } from '../shared/api';
import { actorOf, json, readJson, readQuery, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { subscriptionCenterBodySchema, subscriptionCenterQuerySchema } from '../shared/schemas';

export async function getSubscriptionCenter(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const { doNotEmail, doNotBulkEmail, doNotTrack, ...query } = readQuery(
      request,
      subscriptionCenterQuerySchema,
    );
    const contact = { doNotEmail, doNotBulkEmail, doNotTrack };
    return json(await getServices().centers.subscriptionPrefill({ ...query, contact }));
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
app.http(get.name, {
  methods: [get.method],
  route: get.route,
  authLevel: get.authLevel,
  handler: getSubscriptionCenter,
});
const submit = operations.submitSubscriptionCenter;
app.http(submit.name, {
  methods: [submit.method],
  route: submit.route,
  authLevel: submit.authLevel,
  handler: submitSubscriptionCenter,
});
