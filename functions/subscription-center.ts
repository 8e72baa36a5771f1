import { operations } from '../shared/api';
import { actorOf, json, register } from '../shared/http';
import { getServices } from '../shared/runtime';

register(operations.getSubscriptionCenter, async ({ query }) =>
  json(await getServices().centers.subscriptionPrefill(query)),
);

register(operations.submitSubscriptionCenter, async ({ body, request }) =>
  json({ results: await getServices().centers.subscriptionSubmit(body, actorOf(request)) }),
);
