import { operations } from '../shared/api';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';

register(operations.listProfiles, async () => json({ profiles: await getServices().catalog.listProfiles() }));

register(operations.getProfile, async ({ params }) =>
  json(await getServices().catalog.getProfile(params.profileId)),
);

register(operations.putProfile, async ({ params, body }) => {
  const { created, profile } = await getServices().catalog.putProfileBody(params.profileId, body);
  return json(profile, created ? 201 : 200);
});
