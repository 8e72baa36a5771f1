import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promisify } from 'node:util';
import ipaddr from 'ipaddr.js';
import { ValidationError } from '../errors';

/*
 * Webhook targets and server-side request forgery: a subscription must not make the service call
 * into its own network (metadata endpoints, storage, the admin plane). A URL is https (http only
 * on a loopback address, for local receivers); every address its host resolves to must be public
 * unicast, checked when it is saved and again when each delivery connects (a DNS answer may change
 * between the two). `WEBHOOK_ALLOW_PRIVATE=true` lifts the address rule (tests, private networks).
 */

const lookupAll = promisify(dnsLookup);

/** Whether an address is one a webhook may reach: public unicast only. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

const isLoopbackHost = (host: string) =>
  host === 'localhost' || (ipaddr.isValid(host) && ipaddr.parse(host).range() === 'loopback');

/** The URL parsed and its scheme checked (no DNS): what a subscription may name at all. */
export function webhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('The webhook URL is not valid.', [{ path: 'url', message: 'not a URL' }]);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.username || url.password)
    throw new ValidationError('The webhook URL is not valid.', [
      { path: 'url', message: 'must not carry credentials (use the signing secret)' },
    ]);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(host)))
    throw new ValidationError('The webhook URL is not valid.', [
      { path: 'url', message: 'must be https (http only on a loopback address)' },
    ]);
  return url;
}

/** Every address the host resolves to, refused unless public (or private ones are allowed). */
export async function checkWebhookTarget(raw: string, allowPrivate: boolean): Promise<URL> {
  const url = webhookUrl(raw);
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  try {
    addresses = await lookupAll(host, { all: true, verbatim: true });
  } catch {
    throw new ValidationError('The webhook URL is not valid.', [
      { path: 'url', message: 'its host does not resolve' },
    ]);
  }
  const refused = addresses.filter((a) => !isPublicAddress(a.address));
  if (addresses.length === 0 || refused.length > 0)
    throw new ValidationError('The webhook URL is not valid.', [
      { path: 'url', message: 'its host resolves to a private, loopback or link-local address' },
    ]);
  return url;
}

/**
 * A `lookup` for the HTTP client that refuses, at connect time, any address a webhook may not
 * reach: a DNS answer that changed since the subscription was saved cannot reach inside.
 */
export function guardedLookup(allowPrivate: boolean): typeof dnsLookup {
  return ((hostname: string, options: object, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error);
      const list = addresses as LookupAddress[];
      const allowed = allowPrivate ? list : list.filter((a) => isPublicAddress(a.address));
      if (allowed.length === 0)
        return callback(
          Object.assign(new Error('the webhook host resolves to a refused address'), { code: 'EREFUSED' }),
        );
      if ((options as { all?: boolean }).all) return callback(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  }) as unknown as typeof dnsLookup;
}
