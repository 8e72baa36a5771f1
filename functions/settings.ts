import { operations } from '../shared/api';
import { ForbiddenError } from '../shared/errors';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';

register(operations.getSettings, async () => json(await getServices().catalog.getSettings()));

/** The settings are every profile's: only a global Profiles.Manage changes them. */
register(operations.putSettings, async ({ body, caller }) => {
  if (caller.scope('Profiles.Manage') !== 'all')
    throw new ForbiddenError(
      'The settings apply to every profile: this needs Profiles.Manage for all of them.',
    );
  return json(await getServices().catalog.putSettings(body));
});
