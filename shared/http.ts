import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { ServiceError, ValidationError, type ErrorCode, type ErrorDetail } from './errors';
import { parseWith } from './validation';

export { parseWith };

/** The largest request body any route accepts; the local host enforces it too. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

const PROBLEMS: Record<ErrorCode, { status: number; title: string }> = {
  'validation-failed': { status: 400, title: 'The request is not valid' },
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

const RETRY_AFTER_SECONDS = '5';

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

/** The one place errors become HTTP: domain errors by code, anything else a 500 with no internals. */
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

export function json(body: unknown, status = 200): HttpResponseInit {
  return { status, jsonBody: body };
}

/** Runs a handler body and maps whatever it throws; handlers stay free of try/catch. */
export async function respond(
  context: InvocationContext,
  handle: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  try {
    return await handle();
  } catch (error) {
    return toProblem(error, context);
  }
}

/** A media type and its parameters (`charset` lower-cased), as RFC 9110 writes them. */
export function parseMediaType(header: string): { type: string; params: Record<string, string> } {
  const [type = '', ...rest] = header.split(';');
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (name !== '' && !Object.hasOwn(params, name)) params[name] = value;
  }
  return { type: type.trim().toLowerCase(), params };
}

/**
 * The raw body, refused with 415 when it is compressed or otherwise encoded (only `identity` is read)
 * and with 413 past the service's own limit: the Functions host lets up to 100 MB through.
 */
export async function readBodyBytes(request: HttpRequest, limit = MAX_REQUEST_BYTES): Promise<Buffer> {
  const encoding = request.headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    throw new ServiceError('unsupported-media-type', 'Send the body without a Content-Encoding.');
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) throw tooLarge(limit);
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > limit) throw tooLarge(limit);
  return bytes;
}

export async function readJson<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<z.output<S>> {
  const contentType = request.headers.get('content-type');
  if (contentType !== null) {
    const { type, params } = parseMediaType(contentType);
    if (!/^application\/([\w.+-]*\+)?json$/.test(type)) {
      throw new ServiceError('unsupported-media-type', 'Send the body as application/json.');
    }
    if (params.charset !== undefined && !/^utf-?8$/i.test(params.charset)) {
      throw new ServiceError('unsupported-media-type', 'Send the JSON body in UTF-8.');
    }
  }
  const bytes = await readBodyBytes(request);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ServiceError('malformed-json', 'The body is not valid UTF-8 JSON.');
  }
  return parseWith(schema, body, 'body');
}

function tooLarge(limit: number): ServiceError {
  return new ServiceError('payload-too-large', `A request body may hold at most ${limit} bytes.`);
}

/**
 * Query parameters as an object. A repeated parameter arrives as the Functions host passes it, its
 * values joined with commas (`channel=custom,email`), so it is refused rather than half read.
 */
export function readQuery<S extends z.ZodType>(request: HttpRequest, schema: S): z.output<S> {
  const query: Record<string, string> = {};
  for (const [key, value] of request.query) {
    // An empty parameter (`purposeId=`) is an absent one, as clients filling a template send it.
    if (value === '' || key === 'code') continue;
    query[key] = Object.hasOwn(query, key) ? `${query[key]},${value}` : value;
  }
  return parseWith(schema, query, 'query');
}

/** Who made a change: the caller's own header, then App Service authentication, else anonymous. */
export function actorOf(request: HttpRequest): string {
  const actor =
    request.headers.get('x-consent-actor')?.trim() ||
    request.headers.get('x-ms-client-principal-name')?.trim();
  if (!actor) return 'anonymous';
  if (actor.length > 256) {
    throw new ValidationError('The actor header is not valid.', [
      { path: 'x-consent-actor', message: 'at most 256 characters' },
    ]);
  }
  return actor;
}
