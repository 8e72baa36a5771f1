import { operations } from '../shared/api';
import { NotFoundError } from '../shared/errors';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';
import { profileOf, reaches } from '../shared/services/profile-scope';

register(operations.consentChanges, async ({ query: { cursor, limit }, caller }) => {
  const { feed, catalog } = getServices();
  if (!feed) throw new NotFoundError('The change feed is turned off (CHANGE_FEED_DAYS=0).');
  const page = await feed.changes(cursor, limit);
  const scope = caller.scope('Consent.Read');
  if (scope === 'all') return json(page);
  // A scoped reader follows the same cursor and sees only its profiles' changes; an erasure concerns
  // every profile, so every reader erases too.
  const current = await catalog.current();
  return json({
    ...page,
    changes: page.changes.filter(
      (c) => 'type' in c || reaches(scope, profileOf(current, c.purposeId, c.topicId)),
    ),
  });
});
