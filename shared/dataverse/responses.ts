import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { ServiceError } from '../errors';
import { statusOfError } from '../http';

export const ODATA_HEADERS = {
  'content-type': 'application/json; odata.metadata=minimal',
  'OData-Version': '4.0',
};

/** Dataverse's own error codes for what this service can answer. */
const DATAVERSE_CODES: Record<number, string> = {
  400: '0x80040203',
  404: '0x80040217',
  405: '0x80060888',
  409: '0x80040237',
  412: '0x80060882',
  413: '0x80040203',
  415: '0x80040203',
  503: '0x80040216',
};

export function odataJson(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponseInit {
  return { status, headers: { ...ODATA_HEADERS, ...headers }, jsonBody: body };
}

/** The one place errors become Dataverse errors, `{ error: { code, message } }`; never problem+json here. */
export function toDataverseError(error: unknown, context: InvocationContext): HttpResponseInit {
  const status = statusOfError(error);
  if (status >= 500) context.warn(error instanceof ServiceError ? error.code : 'unexpected error');
  const message =
    error instanceof ServiceError
      ? [error.message, ...error.details.map((d) => `${d.path}: ${d.message}`)].join(' ')
      : 'An unexpected error occurred.';
  return odataJson(
    status,
    { error: { code: DATAVERSE_CODES[status] ?? '0x80040216', message } },
    status === 503 ? { 'retry-after': '5' } : {},
  );
}

export async function respondDataverse(
  context: InvocationContext,
  handle: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  try {
    return await handle();
  } catch (error) {
    return toDataverseError(error, context);
  }
}
