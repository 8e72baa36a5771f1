import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { actorOf, json, readJson, readQuery, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { consentUpsertRequestSchema, contactPointQuerySchema, historyQuerySchema } from '../shared/schemas';

export async function upsertConsents(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const { records } = await readJson(request, consentUpsertRequestSchema);
    return json({ results: await getServices().consents.upsert(records, actorOf(request)) });
  });
}

export async function readConsents(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const query = readQuery(request, contactPointQuerySchema);
    const { contactPoint, records } = await getServices().consents.read(query.channel, query.contactPoint);
    return json({ channel: contactPoint.channel, contactPoint: contactPoint.address, records });
  });
}

export async function consentHistory(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const { channel, contactPoint, ...page } = readQuery(request, historyQuerySchema);
    return json(await getServices().consents.history(channel, contactPoint, page));
  });
}

const upsert = operations.upsertConsents;
app.http(upsert.name, httpOptions(upsert, upsertConsents));
const read = operations.readConsents;
app.http(read.name, httpOptions(read, readConsents));
const history = operations.consentHistory;
app.http(history.name, httpOptions(history, consentHistory));
