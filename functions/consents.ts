import { operations } from '../shared/api';
import { actorOf, json, register } from '../shared/http';
import { getServices } from '../shared/runtime';

register(operations.upsertConsents, async ({ body, request }) =>
  json({ results: await getServices().consents.upsert(body.records, actorOf(request)) }),
);

register(operations.readConsents, async ({ query }) => {
  const { contactPoint, records } = await getServices().consents.read(query.channel, query.contactPoint);
  return json({ channel: contactPoint.channel, contactPoint: contactPoint.address, records });
});

register(operations.consentHistory, async ({ query: { channel, contactPoint, ...page } }) =>
  json(await getServices().consents.history(channel, contactPoint, page)),
);
