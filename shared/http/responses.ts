import type { HttpResponseInit } from '@azure/functions';

export function json(body: unknown, status = 200): HttpResponseInit {
  return { status, jsonBody: body };
}
