import { operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { json, register } from '../shared/http';
import { publicBaseUrl } from '../shared/public-url';
import { getServices } from '../shared/runtime';

register(operations.createLinks, async ({ body: { links }, request }) =>
  json({ links: await getServices().links.create(links, publicBaseUrl(getConfig(), request.url)) }),
);
