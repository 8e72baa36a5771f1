import { operations } from '../shared/api';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';

register(operations.contactability, async ({ query }) =>
  json(await getServices().checks.contactability(query)),
);
