import { operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { json, register } from '../shared/http';
import { publicBaseUrl } from '../shared/public-url';
import { getServices } from '../shared/runtime';
import { requireScope } from '../shared/services/profile-scope';

register(operations.createLinks, async ({ body: { links }, caller, request }) => {
  requireScope(
    caller.scope('Consent.Check'),
    'Consent.Check',
    links.map((link, index) => ({
      index,
      path: `links[${index}].profileId`,
      profileId: link.profileId,
      known: true,
    })),
  );
  return json({ links: await getServices().links.create(links, publicBaseUrl(getConfig(), request.url)) });
});
