import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { json, readJson, respond } from '../shared/http';
import { publicBaseUrl } from '../shared/public-url';
import { getServices } from '../shared/runtime';
import { linksBodySchema } from '../shared/schemas';

export async function createLinks(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const { links } = await readJson(request, linksBodySchema);
    return json({ links: await getServices().links.create(links, publicBaseUrl(getConfig(), request.url)) });
  });
}

const op = operations.createLinks;
app.http(op.name, httpOptions(op, createLinks));
