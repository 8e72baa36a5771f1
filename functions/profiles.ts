import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { ValidationError } from '../shared/errors';
import { json, parseWith, readJson, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { profileBodySchema, profileParamsSchema } from '../shared/schemas';

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
    const body = await readJson(request, profileBodySchema);
    if (body.id !== undefined && body.id !== profileId) {
      throw new ValidationError('The body names another profile.', [
        { path: 'id', message: 'must equal the profile id in the path' },
      ]);
    }
    const { created, profile } = await getServices().catalog.putProfile({ ...body, id: profileId });
    return json(profile, created ? 201 : 200);
  });
}

const list = operations.listProfiles;
app.http(list.name, httpOptions(list, listProfiles));
const get = operations.getProfile;
app.http(get.name, httpOptions(get, getProfile));
const put = operations.putProfile;
app.http(put.name, httpOptions(put, putProfile));
