import { operations } from '../shared/api';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';
import { requireScope } from '../shared/services/profile-scope';

register(operations.loadConsents, async ({ body, caller }) => {
  requireScope(caller.scope('Consent.Write'), 'Consent.Write', [
    { path: 'profileId', profileId: body.profileId, known: true },
  ]);
  return json(await getServices().centers.load(body, caller));
});
