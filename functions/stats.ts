import { app, type InvocationContext, type Timer } from '@azure/functions';
import { operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { ForbiddenError } from '../shared/errors';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';
import { reaches } from '../shared/services/profile-scope';

register(operations.stats, async ({ query, caller }) => {
  const scope = caller.scope('Consent.Read');
  if (!reaches(scope, query.profileId))
    throw new ForbiddenError('The role Consent.Read reaches only some profiles: name one of them.', [
      { path: 'profileId', message: 'the role Consent.Read does not reach this profile' },
    ]);
  return json(await getServices().stats.read(query));
});

/** Every minute: what this instance counted is stored (one entity per hour it touched). */
export async function flushStats(_timer: Timer, context: InvocationContext): Promise<void> {
  try {
    await getServices().stats.flush();
  } catch (error) {
    context.warn(`stats flush: ${error instanceof Error ? error.name : 'failed'}`);
  }
}

app.timer('flushStats', { schedule: getConfig().STATS_FLUSH_SCHEDULE, handler: flushStats });
