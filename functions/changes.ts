import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { NotFoundError } from '../shared/errors';
import { json, readQuery, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { changesQuerySchema } from '../shared/schemas';

export async function consentChanges(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const { cursor, limit } = readQuery(request, changesQuerySchema);
    const feed = getServices().feed;
    if (!feed) throw new NotFoundError('The change feed is turned off (CHANGE_FEED_DAYS=0).');
    return json(await feed.changes(cursor, limit));
  });
}

const op = operations.consentChanges;
app.http(op.name, httpOptions(op, consentChanges));
