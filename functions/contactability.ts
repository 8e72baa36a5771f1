import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { operations } from '../shared/api';
import { json, readQuery, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { contactabilityQuerySchema } from '../shared/schemas';

export async function getContactability(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const { doNotEmail, doNotBulkEmail, doNotTrack, ...query } = readQuery(
      request,
      contactabilityQuerySchema,
    );
    const contact = { doNotEmail, doNotBulkEmail, doNotTrack };
    return json(await getServices().checks.contactability({ ...query, contact }));
  });
}

const op = operations.contactability;
app.http(op.name, {
  methods: [op.method],
  route: op.route,
  authLevel: op.authLevel,
  handler: getContactability,
});
