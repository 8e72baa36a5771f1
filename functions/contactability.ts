import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { json, readQuery, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { contactabilityQuerySchema } from '../shared/schemas';

export async function getContactability(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const query = readQuery(request, contactabilityQuerySchema);
    return json(await getServices().checks.contactability(query));
  });
}

const op = operations.contactability;
app.http(op.name, httpOptions(op, getContactability));
