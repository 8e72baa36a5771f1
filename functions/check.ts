import { operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { json, register } from '../shared/http';
import { publicBaseUrl } from '../shared/public-url';
import { getServices } from '../shared/runtime';
import { requireScope } from '../shared/services/profile-scope';

register(operations.check, async ({ body: { messages, asOf, dryRun }, caller, request }) => {
  requireScope(
    caller.scope('Consent.Check'),
    'Consent.Check',
    messages.map((m, index) => ({
      index,
      path: `messages[${index}].profileId`,
      profileId: m.profileId,
      known: true,
    })),
  );
  return json({
    decisions: await getServices().checks.check(
      messages,
      publicBaseUrl(getConfig(), request.url),
      asOf,
      dryRun,
    ),
  });
});
