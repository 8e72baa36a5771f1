import { operations } from '../shared/api';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';
import { profileOf, reaches, requireScope } from '../shared/services/profile-scope';

/** The purpose and topic a raw record names, when they are strings (the rest is validation's). */
const named = (record: unknown) => {
  const { purposeId, topicId } = (typeof record === 'object' && record !== null ? record : {}) as Record<
    string,
    unknown
  >;
  return {
    purposeId: typeof purposeId === 'string' ? purposeId : '',
    topicId: typeof topicId === 'string' ? topicId : undefined,
  };
};

register(operations.upsertConsents, async ({ body, caller }) => {
  const { consents, catalog } = getServices();
  const scope = caller.scope('Consent.Write');
  if (scope !== 'all') {
    const current = await catalog.current();
    requireScope(
      scope,
      'Consent.Write',
      body.records.map((record, index) => {
        const { purposeId, topicId } = named(record);
        return {
          index,
          path: `records[${index}].purposeId`,
          profileId: profileOf(current, purposeId, topicId),
        };
      }),
    );
  }
  return json({ results: await consents.upsert(body.records, caller) });
});

register(operations.readConsents, async ({ query, caller }) => {
  const { consents, catalog } = getServices();
  const { contactPoint, records, erased } = await consents.read(query.channel, query.contactPoint);
  const scope = caller.scope('Consent.Read');
  const current = await catalog.current();
  return json({
    channel: contactPoint.channel,
    contactPoint: contactPoint.address,
    records: records.filter((r) => reaches(scope, profileOf(current, r.purposeId, r.topicId))),
    ...(erased ? { erased: true, erasedAt: erased.at } : {}),
  });
});

register(operations.consentHistory, async ({ query: { channel, contactPoint, ...page }, caller }) => {
  const { consents, catalog } = getServices();
  const history = await consents.history(channel, contactPoint, page);
  const scope = caller.scope('Consent.Read');
  if (scope === 'all') return json(history);
  const current = await catalog.current();
  return json({
    ...history,
    entries: history.entries.filter((e) => reaches(scope, profileOf(current, e.purposeId, e.topicId))),
  });
});
