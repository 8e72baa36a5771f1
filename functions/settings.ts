import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { json, readJson, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { settingsSchema } from '../shared/schemas';

export async function getSettings(
  _request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => json(await getServices().catalog.getSettings()));
}

export async function putSettings(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const settings = await readJson(request, settingsSchema);
    return json(await getServices().catalog.putSettings(settings));
  });
}

const get = operations.getSettings;
app.http(get.name, httpOptions(get, getSettings));
const put = operations.putSettings;
app.http(put.name, httpOptions(put, putSettings));
