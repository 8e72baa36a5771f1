import { operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { json, register } from '../shared/http';
import { publicBaseUrl } from '../shared/public-url';
import { getServices } from '../shared/runtime';

register(operations.check, async ({ body: { messages, asOf }, request }) =>
  json({
    decisions: await getServices().checks.check(messages, publicBaseUrl(getConfig(), request.url), asOf),
  }),
);
