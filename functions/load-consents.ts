import { operations } from '../shared/api';
import { actorOf, json, register } from '../shared/http';
import { getServices } from '../shared/runtime';

register(operations.loadConsents, async ({ body, request }) =>
  json(await getServices().centers.load(body, actorOf(request))),
);
