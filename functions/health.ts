import { operations } from '../shared/api';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';

/** 503 with `degraded` when storage cannot be reached: the only route that answers an outage itself. */
register(operations.health, async ({ context }) => {
  try {
    await getServices().catalog.probe();
    return json({ status: 'ok', storage: 'ok' });
  } catch (error) {
    context.warn('health: storage unavailable', error instanceof Error ? error.name : '');
    return {
      status: 503,
      headers: { 'retry-after': '5' },
      jsonBody: { status: 'degraded', storage: 'unavailable' },
    };
  }
});
