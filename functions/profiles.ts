import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { z } from 'zod';
import { json, parseWith, readJson, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { profileParamsSchema } from '../shared/schemas';

export async function listProfiles(
  _request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => json({ profiles: await getServices().catalog.listProfiles() }));
}

export async function getProfile(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const { profileId } = parseWith(profileParamsSchema, request.params, 'path');
    return json(await getServices().catalog.getProfile(profileId));
  });
}

export async function putProfile(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const { profileId } = parseWith(profileParamsSchema, request.params, 'path');
    const body = await readJson(request, z.unknown());
    const { created, profile } = await getServices().catalog.putProfileBody(profileId, body);
    return json(profile, created ? 201 : 200);
  });
}

const list = operations.listProfiles;
app.http(list.name, httpOptions(list, listProfiles));
const get = operations.getProfile;
app.http(get.name, httpOptions(get, getProfile));
const put = operations.putProfile;
app.http(put.name, httpOptions(put, putProfile));
