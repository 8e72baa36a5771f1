import { operations } from '../shared/api';
import { NotFoundError } from '../shared/errors';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';

register(operations.consentChanges, async ({ query: { cursor, limit } }) => {
  const feed = getServices().feed;
  if (!feed) throw new NotFoundError('The change feed is turned off (CHANGE_FEED_DAYS=0).');
  return json(await feed.changes(cursor, limit));
});
