import { operations } from '../shared/api';
import { actorOf, json, register } from '../shared/http';
import { getServices } from '../shared/runtime';

register(operations.getPreferenceCenter, async ({ query }) =>
  json(await getServices().centers.preferencePrefill(query)),
);

register(operations.submitPreferenceCenter, async ({ body, request }) =>
  json({ results: await getServices().centers.preferenceSubmit(body, actorOf(request)) }),
);
