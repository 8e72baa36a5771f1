import { operations } from '../shared/api';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';
import { reaches, requireScope } from '../shared/services/profile-scope';

register(operations.listProfiles, async ({ caller }) => {
  const scope = caller.scope('Consent.Read');
  const profiles = await getServices().catalog.listProfiles();
  return json({ profiles: profiles.filter((p) => reaches(scope, p.id)) });
});

register(operations.getProfile, async ({ params, caller }) => {
  requireScope(caller.scope('Consent.Read'), 'Consent.Read', [
    { path: 'profileId', profileId: params.profileId, known: true },
  ]);
  return json(await getServices().catalog.getProfile(params.profileId));
});

register(operations.putProfile, async ({ params, body, caller }) => {
  requireScope(caller.scope('Profiles.Manage'), 'Profiles.Manage', [
    { path: 'profileId', profileId: params.profileId, known: true },
  ]);
  const { created, profile } = await getServices().catalog.putProfileBody(params.profileId, body);
  return json(profile, created ? 201 : 200);
});
