import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import { TWILIO_BODY_LIMIT } from '../api/sms/sms.schemas';
import type { Config } from '../config';
import { ForbiddenError, ServiceError } from '../errors';
import { publicBaseUrl } from '../public-url';
import { readBodyBytes } from '../utils/body-bytes';
import { parseMediaType } from '../utils/media-type';
import type { InboundText } from './inbound';

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Twilio's request signature: HMAC-SHA1 with the auth token over the full URL Twilio called,
 * followed by every POST parameter name and value, sorted by name (values of a repeated name
 * sorted too, a pair given twice counted once, as Twilio's own helper libraries do), base64.
 */
export function twilioSignature(authToken: string, url: string, params: Iterable<[string, string]>): string {
  const pairs = new Map<string, [string, string]>();
  for (const [name, value] of params) pairs.set(JSON.stringify([name, value]), [name, value]);
  const sorted = [...pairs.values()].sort(([an, av], [bn, bv]) => byCodeUnit(an, bn) || byCodeUnit(av, bv));
  const hmac = createHmac('sha1', authToken).update(url, 'utf8');
  for (const [name, value] of sorted) hmac.update(name + value, 'utf8');
  return hmac.digest('base64');
}

/**
 * Whether `signature` is Twilio's for this request, under any of the tokens and over any of the
 * URLs it may have been computed on, compared in constant time.
 */
export function verifyTwilioSignature(
  authTokens: readonly string[],
  urls: readonly string[],
  params: ReadonlyArray<[string, string]>,
  signature: string,
): boolean {
  const given = Buffer.from(signature, 'utf8');
  let valid = false;
  // Every candidate is tried, so the time taken does not tell which one matched.
  for (const token of authTokens) {
    for (const url of urls) {
      const expected = Buffer.from(twilioSignature(token, url, params), 'utf8');
      if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
    }
  }
  return valid;
}

/**
 * The URLs Twilio may have signed for a request URL: the URL itself and, when its query holds
 * `%27`, the same with `'`, since Twilio signs a quote as it is while URL parsers (the Functions
 * worker's too) re-encode it. Twilio's own helper libraries accept both.
 */
export function signedUrls(url: string): string[] {
  const query = url.indexOf('?');
  if (query < 0) return [url];
  const quoted = url.slice(0, query) + url.slice(query).replaceAll('%27', "'");
  return quoted === url ? [url] : [url, quoted];
}

/**
 * The spellings of a URL's port Twilio may have signed: as given, without the port, and with the
 * scheme's default port written out. Twilio signs inconsistently (its own `validateRequest` tries
 * both), and behind a public URL on another port it signs without it.
 */
export function portSpellings(url: string): string[] {
  const match = /^(https?:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  const at = authority.lastIndexOf('@');
  const userinfo = authority.slice(0, at + 1);
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority.slice(at + 1));
  if (!hostPort) return [url];
  const host = hostPort[1]!;
  const defaultPort = scheme.toLowerCase() === 'https://' ? '443' : '80';
  const spellings = [url, `${scheme}${userinfo}${host}${rest}`];
  if (hostPort[2] === undefined) spellings.push(`${scheme}${userinfo}${host}:${defaultPort}${rest}`);
  return [...new Set(spellings)];
}

/** Path and query as the request URL holds them (a fragment never reaches a server). */
export function pathAndQuery(requestUrl: string): string {
  const scheme = requestUrl.indexOf('://');
  const start = requestUrl.indexOf('/', scheme < 0 ? 0 : scheme + 3);
  const rest = start < 0 ? '/' : requestUrl.slice(start);
  const hash = rest.indexOf('#');
  return hash < 0 ? rest : rest.slice(0, hash);
}

/**
 * The form of a Twilio webhook whose signature verifies; otherwise 403 (no token configured, no or
 * a wrong signature), 415 (not form-encoded), 413 (past `TWILIO_BODY_LIMIT`). Nothing is read
 * from the form before it is verified.
 */
export async function readTwilioForm(
  request: HttpRequest,
  config: Pick<Config, 'TWILIO_AUTH_TOKEN' | 'PUBLIC_BASE_URL' | 'WEBSITE_HOSTNAME'>,
): Promise<URLSearchParams> {
  const tokens = config.TWILIO_AUTH_TOKEN ?? [];
  if (tokens.length === 0) {
    throw new ForbiddenError('Twilio requests are not accepted here: no Twilio auth token is configured.');
  }
  const signature = request.headers.get('x-twilio-signature');
  if (!signature) throw new ForbiddenError('The request carries no Twilio signature.');
  const { type, params } = parseMediaType(request.headers.get('content-type') ?? '');
  if (type !== 'application/x-www-form-urlencoded') {
    throw new ServiceError('unsupported-media-type', 'Send the body as application/x-www-form-urlencoded.');
  }
  if (params.charset !== undefined && !/^utf-?8$/i.test(params.charset)) {
    throw new ServiceError('unsupported-media-type', 'Send the form in UTF-8.');
  }
  const form = new URLSearchParams((await readBodyBytes(request, TWILIO_BODY_LIMIT)).toString('utf8'));
  const url = publicBaseUrl(config, request.url) + pathAndQuery(request.url);
  const urls = [...new Set(signedUrls(url).flatMap(portSpellings))];
  if (!verifyTwilioSignature(tokens, urls, [...form], signature)) {
    throw new ForbiddenError('The Twilio signature does not match this request.');
  }
  return form;
}

/** The text a verified webhook delivers. A missing field is empty: an empty sender is ignored. */
export function twilioText(form: URLSearchParams): InboundText {
  const optOutType = form.get('OptOutType');
  const sid = form.get('MessageSid')?.trim();
  return {
    from: form.get('From') ?? '',
    to: form.get('To') ?? '',
    message: form.get('Body') ?? '',
    ...(optOutType !== null ? { optOutType } : {}),
    ...(sid ? { eventId: `twilio:${sid}` } : {}),
  };
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** TwiML that answers the text with one message (the profile's reply to a keyword). */
export function twimlMessage(text: string): string {
  const escaped = text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${escaped}</Message></Response>`;
}
