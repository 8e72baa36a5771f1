import { operations } from '../shared/api';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';
import { requireScope } from '../shared/services/profile-scope';

register(operations.contactability, async ({ query, caller }) => {
  requireScope(caller.scope('Consent.Check'), 'Consent.Check', [
    { path: 'profileId', profileId: query.profileId, known: true },
  ]);
  return json(await getServices().checks.contactability(query));
});
