import type { HttpResponseInit } from '@azure/functions';
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
