import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { json, readJson, respond } from '../shared/http';
import { publicBaseUrl } from '../shared/public-url';
import { getServices } from '../shared/runtime';
import { checkBodySchema } from '../shared/schemas';

export async function postCheck(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const { messages, asOf } = await readJson(request, checkBodySchema);
    return json({
      decisions: await getServices().checks.check(messages, publicBaseUrl(getConfig(), request.url), asOf),
    });
  });
}

const op = operations.check;
app.http(op.name, httpOptions(op, postCheck));
