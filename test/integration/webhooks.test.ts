/*
 * Push (issue 27): webhook subscriptions relayed from the change feed by timers on two hosts to a
 * real local receiver that fails, hangs and recovers; Standard Webhooks signatures checked with the
 * official package; SSRF refusals; dead letters and their replay; a relay restarted mid-way.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { boundedClient, type BoundedClient } from '../support/bounded-client';
import { uniqueEmail } from '../support/client';
import { startHost, type RunningHost } from '../support/processes';

const KEY = 'webhooks-key';
const tag = `${process.pid}${Date.now().toString(36)}`;
const P = `wh-${tag}`;
const OFFERS = `wh-offers-${tag}`;

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  event: any;
}

/** A receiver that answers as told: ok, fail (500), or hang (never answers). */
class Receiver {
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  readonly received: Received[] = [];
  readonly accepted: Received[] = [];
  private server!: Server;
  private waiters: Array<() => void> = [];
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const entry = { headers: req.headers, body, event: JSON.parse(body) };
        this.received.push(entry);
        if (this.mode === 'hang') return; // the relay's time limit ends it
        if (this.mode === 'fail') {
          res.writeHead(500).end();
        } else {
          this.accepted.push(entry);
          res.writeHead(204).end();
        }
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Resolves once `predicate` holds on what was received (woken by each request). */
  async until(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`receiver: not reached in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 500).unref(); // also re-checks when nothing arrives
      });
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let hosts: RunningHost[] = [];
let writer: RunningHost;
let api: BoundedClient;
const receiver = new Receiver();

const settings = {
  AzureWebJobsStorage: inject('storageConnection'),
  LOCAL_FUNCTION_KEY: KEY,
  CONSENT_TABLE_PREFIX: 'webhooks',
  PROFILE_CACHE_SECONDS: '0',
  CHANGE_FEED_SETTLE_SECONDS: '2',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RELAY_SCHEDULE: '*/1 * * * * *',
  WEBHOOK_RETRY_SECONDS: '4',
  WEBHOOK_TIMEOUT_SECONDS: '1',
  WEBHOOK_LEASE_SECONDS: '3',
};

beforeAll(async () => {
  await receiver.start();
  // Two relaying hosts, and one that only writes (its relay runs once a year).
  [writer, ...hosts] = await Promise.all([
    startHost({ ...settings, WEBHOOK_RELAY_SCHEDULE: '0 0 0 1 1 *' }),
    startHost(settings),
    startHost(settings),
  ]);
  api = boundedClient(writer.url, KEY);
  const res = await api.put(`/api/profiles/${P}`, {
    name: 'Webhooks',
    purposes: [
      { id: OFFERS, name: 'Offers', type: 'commercial', enforcement: 'nonRestrictive' },
      { id: `wh-track-${tag}`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });
  expect(res.status, res.text).toBe(201);
});

afterAll(async () => {
  await Promise.all([writer?.stop(), ...hosts.map((h) => h.stop())]);
  await receiver.stop();
});

const write = (contactPoint: string, value: string) =>
  api.post('/api/consents', { records: [{ channel: 'email', contactPoint, purposeId: OFFERS, value }] });
const ofAddress = (list: Received[], email: string) =>
  list.filter((r) => r.event.data.contactPoint === email.toLowerCase());

describe('webhook subscriptions (27.1)', () => {
  let secret = '';

  it('refuses targets it must not call: not https, private, loopback, link-local, credentials', async () => {
    const strict = await startHost({
      ...settings,
      WEBHOOK_ALLOW_PRIVATE: 'false',
      WEBHOOK_RELAY_SCHEDULE: '0 0 0 1 1 *',
    });
    try {
      const client = boundedClient(strict.url, KEY);
      for (const url of [
        'http://example.com/hook',
        'ftp://example.com/hook',
        'https://127.0.0.1/hook',
        'https://localhost/hook',
        'https://10.1.2.3/hook',
        'https://192.168.0.10/hook',
        'https://169.254.169.254/metadata',
        'https://[::1]/hook',
        'https://[fd00::1]/hook',
        'https://[::ffff:10.0.0.1]/hook',
        'https://0.0.0.0/hook',
        'https://user:pass@8.8.8.8/hook',
        'http://127.0.0.1:1/hook',
        'not a url',
      ]) {
        const res = await client.put(`/api/webhooks/ssrf-${tag}`, { url });
        expect(res.status, `${url}: ${res.text}`).toBe(400);
      }
      const ok = await client.put(`/api/webhooks/ssrf-${tag}`, {
        url: 'https://8.8.8.8/hook',
        enabled: false,
      });
      expect(ok.status, ok.text).toBe(201);
      expect((await client.send({ method: 'DELETE', path: `/api/webhooks/ssrf-${tag}` })).status).toBe(204);
    } finally {
      await strict.stop();
    }
  });

  it('delivers each change once, in order, as a signed CloudEvent the official library verifies', async () => {
    const res = await api.put(`/api/webhooks/main-${tag}`, {
      url: receiver.url,
      filter: { profileIds: [P] },
    });
    expect(res.status, res.text).toBe(201);
    secret = res.body.secret;
    expect(secret).toMatch(/^whsec_/);
    const read = await api.get(`/api/webhooks/main-${tag}`);
    expect(read.body.secret).toBeUndefined();

    const email = uniqueEmail('wh-order');
    for (const value of ['optedIn', 'optedOut', 'optedIn', 'optedOut'])
      expect((await write(email, value)).status).toBe(200);
    await receiver.until(() => ofAddress(receiver.accepted, email).length >= 4);
    const got = ofAddress(receiver.accepted, email);
    expect(got.map((r) => r.event.data.after.value)).toEqual(['optedIn', 'optedOut', 'optedIn', 'optedOut']);
    const verifier = new Webhook(secret);
    for (const r of got) {
      expect(() => verifier.verify(r.body, r.headers as Record<string, string>)).not.toThrow();
      expect(r.event).toMatchObject({
        specversion: '1.0',
        type: 'consent.changed',
        id: r.headers['webhook-id'],
      });
      expect(r.event.subject).toBe(r.event.data.subject);
    }
    expect(new Set(got.map((r) => r.event.id)).size).toBe(4);
    // Two relaying hosts, one lease: nothing was delivered twice.
    expect(ofAddress(receiver.received, email)).toHaveLength(4);
    // A tampered body does not verify.
    expect(() =>
      verifier.verify(got[0]!.body.replace('optedIn', 'optedOut'), got[0]!.headers as Record<string, string>),
    ).toThrow();
  });

  it('retries a failing receiver with the same id, keeping order, then dead-letters and replays', async () => {
    const email = uniqueEmail('wh-fail');
    receiver.mode = 'fail';
    await write(email, 'optedOut');
    await receiver.until(() => ofAddress(receiver.received, email).length >= 2);
    const failing = await api.get(`/api/webhooks/main-${tag}`);
    expect(failing.body).toMatchObject({ failing: true, lastError: 'HTTP 500' });
    const ids = new Set(ofAddress(receiver.received, email).map((r) => r.event.id));
    expect(ids.size).toBe(1);
    // A receiver that never answers fails as well (the relay's time limit ends each attempt).
    receiver.mode = 'hang';
    await receiver.until(() => ofAddress(receiver.received, email).length >= 3);
    receiver.mode = 'fail';
    // Past WEBHOOK_RETRY_SECONDS of failing it is dead-lettered, and the next change goes.
    const deadline = Date.now() + 40_000;
    while ((await api.get(`/api/webhooks/main-${tag}`)).body.deadLetters < 1) {
      expect(Date.now(), 'dead-lettered in time').toBeLessThan(deadline);
      await receiver.until(() => false, 300).catch(() => undefined); // waits on the receiver's next request
    }
    receiver.mode = 'ok';
    const next = uniqueEmail('wh-next');
    await write(next, 'optedIn');
    await receiver.until(() => ofAddress(receiver.accepted, next).length >= 1, 40_000);
    const dead = await api.get(`/api/webhooks/main-${tag}`);
    expect(dead.body.deadLetters).toBeGreaterThanOrEqual(1);
    expect(dead.body.deadLetterEvents.map((d: any) => d.changeId)).toContain([...ids][0]);
    const replay = await api.post(`/api/webhooks/main-${tag}/replay`, {});
    expect(replay.body).toMatchObject({ replayed: 1, failed: 0 });
    expect(ofAddress(receiver.accepted, email).map((r) => r.event.id)).toEqual([...ids]);
    expect((await api.get(`/api/webhooks/main-${tag}`)).body.deadLetterEvents).toEqual([]);
  });

  it('keeps delivering across a restart of every relaying host, from the stored cursor', async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    const email = uniqueEmail('wh-restart');
    await write(email, 'optedIn');
    await write(email, 'optedOut');
    hosts = [await startHost(settings)];
    await receiver.until(() => ofAddress(receiver.accepted, email).length >= 2, 40_000);
    expect(ofAddress(receiver.accepted, email).map((r) => r.event.data.after.value)).toEqual([
      'optedIn',
      'optedOut',
    ]);
  });

  it('delivers erasures as consent.erased, without the address', async () => {
    const email = uniqueEmail('wh-erase');
    await write(email, 'optedIn');
    const erased = await api.post('/api/subjects/erase', {
      contactPoints: [{ channel: 'email', contactPoint: email }],
    });
    expect(erased.status, erased.text).toBe(200);
    await receiver.until(() => receiver.accepted.some((r) => r.event.type === 'consent.erased'), 40_000);
    const event = receiver.accepted.find((r) => r.event.type === 'consent.erased')!;
    expect(event.body).not.toContain(email.split('@')[0]);
  });
});
