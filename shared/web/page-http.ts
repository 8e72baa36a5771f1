import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ServiceError } from '../errors';
import { parseMediaType, readBodyBytes, statusOfError } from '../http';
import type { SafeHtml } from './html';

/** No inline script anywhere; pages that run script load it from the app itself. */
export function pageHeaders(script: 'none' | 'self' = 'none'): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': [
      "default-src 'none'",
      `script-src ${script === 'self' ? "'self'" : "'none'"}`,
      ...(script === 'self' ? ["connect-src 'self'"] : []),
      "style-src 'self'",
      "img-src 'self' data:",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };
}

export function pageResponse(
  status: number,
  body: SafeHtml,
  headers: Record<string, string> = {},
): HttpResponseInit {
  return { status, headers: { ...pageHeaders(), ...headers }, body: `<!doctype html>\n${body.text}` };
}

/** The largest form body a page accepts (413 past it). */
export const MAX_FORM_BYTES = 64 * 1024;

/**
 * A form body: `application/x-www-form-urlencoded` or `multipart/form-data` (RFC 8058 allows
 * both); anything else is 415. Files in a multipart body are ignored.
 */
export async function readForm(request: HttpRequest): Promise<URLSearchParams> {
  const contentType = request.headers.get('content-type') ?? '';
  const { type } = parseMediaType(contentType);
  const bytes = await readBodyBytes(request, MAX_FORM_BYTES);
  if (type === 'application/x-www-form-urlencoded' || (type === '' && bytes.length === 0)) {
    return new URLSearchParams(new TextDecoder('utf-8').decode(bytes));
  }
  if (type === 'multipart/form-data') {
    let data: FormData;
    try {
      data = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
    } catch {
      throw new ServiceError('validation-failed', 'The form could not be read.');
    }
    const form = new URLSearchParams();
    for (const [name, value] of data) if (typeof value === 'string') form.append(name, value);
    return form;
  }
  throw new ServiceError(
    'unsupported-media-type',
    'Send the form as application/x-www-form-urlencoded or multipart/form-data.',
  );
}

export type ErrorPage = (status: number) => SafeHtml;

/**
 * The one place errors become pages: a not-found is the invalid-link page (it reveals nothing),
 * storage trouble a 503 the sender retries, bad input a 4xx; never a stack trace.
 */
export async function respondPage(
  context: InvocationContext,
  errorPage: ErrorPage,
  handle: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  try {
    return await handle();
  } catch (error) {
    // A link that is no longer kept is as invalid as any other: the page reveals nothing more.
    const status = statusOfError(error) === 410 ? 404 : statusOfError(error);
    if (status >= 500)
      context.warn(error instanceof ServiceError ? error.code : 'unexpected error on a page');
    return pageResponse(status, errorPage(status), status === 503 ? { 'retry-after': '5' } : {});
  }
}
