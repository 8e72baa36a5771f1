import { operations } from '../shared/api';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';
import { requireScope } from '../shared/services/profile-scope';

register(operations.getSubscriptionCenter, async ({ query, caller }) => {
  requireScope(caller.scope('Consent.Read'), 'Consent.Read', [
    { path: 'profileId', profileId: query.profileId, known: true },
  ]);
  return json(await getServices().centers.subscriptionPrefill(query));
});

register(operations.submitSubscriptionCenter, async ({ body, caller }) => {
  requireScope(caller.scope('Consent.Write'), 'Consent.Write', [
    { path: 'profileId', profileId: body.profileId, known: true },
  ]);
  return json({ results: await getServices().centers.subscriptionSubmit(body, caller) });
});
