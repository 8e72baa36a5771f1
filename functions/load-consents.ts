import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { actorOf, json, readJson, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { loadRequestSchema } from '../shared/schemas';

export async function loadConsents(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const body = await readJson(request, loadRequestSchema);
    return json(await getServices().centers.load(body, actorOf(request)));
  });
}

const op = operations.loadConsents;
app.http(op.name, httpOptions(op, loadConsents));
