import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import type { ConsentCloudEvent } from './cloud-event';
import { guardedLookup } from './webhook-url';

export type DeliveryResult = { ok: true } | { ok: false; error: string };

/** Sends one event somewhere: a signed POST to a subscription, or the Event Grid topic. */
export type Deliver = (event: ConsentCloudEvent) => Promise<DeliveryResult>;

/**
 * POSTs an event signed as Standard Webhooks specify (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<HMAC-SHA256 of "id.timestamp.body">`, through the official library),
 * connecting only to addresses a webhook may reach. A 2xx acknowledges; any other answer, a
 * redirect included (never followed), or none within the time limit, is a failure.
 */
export function signedPost(
  url: string,
  secret: string,
  options: { allowPrivate: boolean; timeoutMs: number; clock: () => number },
): Deliver {
  const signer = new Webhook(secret);
  const target = new URL(url);
  const https = target.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  // Connections kept open between deliveries (each connection still resolved through the guard).
  const lookup = guardedLookup(options.allowPrivate);
  const agent = https
    ? new HttpsAgent({ keepAlive: true, lookup })
    : new HttpAgent({ keepAlive: true, lookup });
  return (event) =>
    new Promise<DeliveryResult>((resolve) => {
      const body = JSON.stringify(event);
      const at = new Date(options.clock());
      const headers = {
        'content-type': 'application/cloudevents+json; charset=utf-8',
        'user-agent': 'consent-service-webhooks/1',
        'webhook-id': event.id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signer.sign(event.id, at, body),
      };
      const req = send(
        target,
        { method: 'POST', headers, agent, lookup, timeout: options.timeoutMs },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          resolve(status >= 200 && status < 300 ? { ok: true } : { ok: false, error: `HTTP ${status}` });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) =>
        resolve({
          ok: false,
          error: error.code === 'EREFUSED' ? 'refused address' : error.message.slice(0, 200),
        }),
      );
      req.end(body);
    });
}
