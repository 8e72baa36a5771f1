import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { ServiceError, type ErrorCode, type ErrorDetail } from '../errors';

/** The one place an error code becomes an HTTP status and a title. */
const PROBLEMS: Record<ErrorCode, { status: number; title: string }> = {
  'validation-failed': { status: 400, title: 'The request is not valid' },
  unauthenticated: { status: 401, title: 'Unauthorized' },
  'identity-unavailable': { status: 503, title: 'The identity provider is unavailable' },
  'malformed-json': { status: 400, title: 'The body is not valid JSON' },
  forbidden: { status: 403, title: 'Forbidden' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'payload-too-large': { status: 413, title: 'The body is too large' },
  'not-found': { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  'capacity-exceeded': { status: 409, title: 'Capacity exceeded' },
  gone: { status: 410, title: 'Gone' },
  'precondition-failed': { status: 412, title: 'Precondition failed' },
  'not-supported': { status: 400, title: 'Not supported' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'storage-contention': { status: 503, title: 'Too much contention, retry' },
  'storage-unavailable': { status: 503, title: 'Consent storage is unavailable' },
};

export const RETRY_AFTER_SECONDS = '5';

export function problemResponse(
  status: number,
  code: string,
  title: string,
  detail: string,
  errors?: ErrorDetail[],
): HttpResponseInit {
  return {
    status,
    headers: {
      'content-type': 'application/problem+json',
      ...(status === 503 ? { 'retry-after': RETRY_AFTER_SECONDS } : {}),
    },
    jsonBody: {
      type: `urn:consent-service:problem:${code}`,
      title,
      status,
      detail,
      ...(errors ? { errors } : {}),
    },
  };
}

/** The HTTP status of an error: a service error's by its code, anything else 500. */
export function statusOfError(error: unknown): number {
  return error instanceof ServiceError ? PROBLEMS[error.code].status : 500;
}

/** Errors as problem+json: domain errors by code, anything else a 500 with no internals. */
export function toProblem(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof ServiceError) {
    const { status, title } = PROBLEMS[error.code];
    if (status >= 500) context.warn(`${error.code}: ${error.message}`);
    return problemResponse(
      status,
      error.code,
      title,
      error.message,
      error.details.length > 0 ? error.details : undefined,
    );
  }
  context.error('unexpected error', error instanceof Error ? error.name : typeof error);
  return problemResponse(500, 'internal', 'Internal error', 'The request could not be completed.');
}
