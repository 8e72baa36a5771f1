import type { HttpResponseInit } from '@azure/functions';

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

/** A Dataverse error answer, `{ error: { code, message } }`; never problem+json on these routes. */
export function dataverseError(status: number, message: string): HttpResponseInit {
  return odataJson(
    status,
    { error: { code: DATAVERSE_CODES[status] ?? '0x80040216', message } },
    status === 503 ? { 'retry-after': '5' } : {},
  );
}
