import { app, type InvocationContext, type Timer } from '@azure/functions';
import { operations } from '../shared/api';
import { getConfig } from '../shared/config';
import type { Caller } from '../shared/domain/access';
import { ForbiddenError } from '../shared/errors';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';

/**
 * A subscription can carry every profile's changes (its filter is its own to set), and its secret
 * and dead letters are the subscriber's: only a global Profiles.Manage manages webhooks.
 */
function requireAllProfiles(caller: Caller): void {
  if (caller.scope('Profiles.Manage') !== 'all')
    throw new ForbiddenError(
      "Webhooks carry every profile's changes: this needs Profiles.Manage for all of them.",
    );
}

register(operations.putWebhook, async ({ params, body, caller }) => {
  requireAllProfiles(caller);
  const { created, webhook } = await getServices().webhooks.put(params.id, body);
  return json(webhook, created ? 201 : 200);
});

register(operations.listWebhooks, async ({ caller }) => {
  requireAllProfiles(caller);
  return json(await getServices().webhooks.list());
});

register(operations.getWebhook, async ({ params, caller }) => {
  requireAllProfiles(caller);
  return json(await getServices().webhooks.get(params.id));
});

register(operations.deleteWebhook, async ({ params, caller }) => {
  requireAllProfiles(caller);
  await getServices().webhooks.remove(params.id);
  return { status: 204 };
});

register(operations.replayWebhook, async ({ params, caller }) => {
  requireAllProfiles(caller);
  return json(await getServices().webhooks.replay(params.id));
});

/** One relay run at a time per instance; the leases keep instances apart. */
let running: Promise<void> | undefined;

/** The relay: every few seconds, each subscription's changes since its cursor, delivered in order. */
export async function relayWebhooks(_timer: Timer, context: InvocationContext): Promise<void> {
  const { relay, webhooks } = getServices();
  if (!relay || running) return;
  running = (async () => relay.run(await webhooks.targets(), Date.now() + 50_000))();
  try {
    await running;
  } catch (error) {
    context.warn(
      `webhook relay: ${error instanceof Error ? `${error.name} ${error.message.slice(0, 200)}` : 'failed'}`,
    );
  } finally {
    running = undefined;
  }
}

app.timer('relayWebhooks', { schedule: getConfig().WEBHOOK_RELAY_SCHEDULE, handler: relayWebhooks });
