import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getConfig } from '../shared/config';
import { getServices } from '../shared/runtime';

/** Hourly: change feed markers past `CHANGE_FEED_DAYS` go; consent history stays (until an erasure). */
export async function purgeChangeFeed(_timer: Timer, context: InvocationContext): Promise<void> {
  const feed = getServices().feed;
  if (!feed) return;
  const removed = await feed.purge();
  context.log(`change feed retention: ${removed} markers removed`);
}

app.timer('purgeChangeFeed', { schedule: getConfig().CHANGE_FEED_PURGE_SCHEDULE, handler: purgeChangeFeed });
