import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { json } from '../shared/http';
import { getServices } from '../shared/runtime';

export async function getHealth(
  _request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
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
}

const op = operations.health;
app.http(op.name, httpOptions(op, getHealth));
