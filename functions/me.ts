import { operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { json, register } from '../shared/http';

/** Who is calling: the consent center asks, to show only what the caller's roles allow. */
register(operations.whoAmI, async ({ caller }) =>
  json({
    authMode: getConfig().AUTH_MODE,
    actor: caller.name,
    ...(caller.id !== undefined ? { actorId: caller.id } : {}),
    roles: caller.roles(),
  }),
);
