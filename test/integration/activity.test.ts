/*
 * Telemetry and activity (issue 27): the metrics and spans exported to a local OTLP endpoint hold
 * no address, token or key; /api/stats counts decisions by reason and changes by source, from
 * counters stored at most once a minute per instance (never a write per message).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { boundedClient, type BoundedClient } from '../support/bounded-client';
import { qs, uniqueEmail } from '../support/client';
import { eventually } from '../support/eventually';
import { startHost, type RunningHost } from '../support/processes';

const KEY = 'activity-Key-5f1e9';
const tag = `${process.pid}${Date.now().toString(36)}`;
const P = `act-${tag}`;
const OFFERS = `act-offers-${tag}`;
const ORDERS = `act-orders-${tag}`;

const exported: Array<{ path: string; body: string }> = [];
let collector: Server;
let hosts: RunningHost[];
let a: BoundedClient;
let b: BoundedClient;

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      exported.push({ path: req.url ?? '', body: body.toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const settings = {
    AzureWebJobsStorage: inject('storageConnection'),
    LOCAL_FUNCTION_KEY: KEY,
    CONSENT_TABLE_PREFIX: 'activity',
    PROFILE_CACHE_SECONDS: '0',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
    OTEL_METRIC_EXPORT_INTERVAL: '300',
    STATS_FLUSH_SCHEDULE: '*/1 * * * * *',
    STATS_FLUSH_SECONDS: '1',
  };
  hosts = await Promise.all([startHost(settings), startHost(settings)]);
  a = boundedClient(hosts[0]!.url, KEY);
  b = boundedClient(hosts[1]!.url, KEY);
  const res = await a.put(`/api/profiles/${P}`, {
    name: 'Activity',
    purposes: [
      { id: OFFERS, name: 'Offers', type: 'commercial', enforcement: 'nonRestrictive' },
      { id: ORDERS, name: 'Orders', type: 'transactional', enforcement: 'nonRestrictive' },
      { id: `act-track-${tag}`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });
  expect(res.status, res.text).toBe(201);
});

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  collector.closeAllConnections();
  await new Promise((resolve) => collector.close(resolve));
});

const emails = Array.from({ length: 6 }, (_, i) => uniqueEmail(`act-private-${i}`));
const message = (i: number, contactPoint: string, purposeId = OFFERS) => ({
  messageId: `m${i}`,
  channel: 'email',
  contactPoint,
  profileId: P,
  purposeId,
});

describe('activity and telemetry (27.2)', () => {
  it('counts decisions by reason and changes by source on two instances, with no write per message', async () => {
    // Three opt-outs (two from a form), then 30 checks: 18 blocked by the opt-out, 12 sent.
    const write = await b.post('/api/consents', {
      records: emails.slice(0, 3).map((contactPoint, i) => ({
        channel: 'email',
        contactPoint,
        purposeId: OFFERS,
        value: 'optedOut',
        source: i < 2 ? 'form' : 'internal',
      })),
    });
    expect(write.status, write.text).toBe(200);
    for (let round = 0; round < 5; round++) {
      const res = await (round % 2 ? a : b).post('/api/check', {
        messages: emails.map((e, i) => message(i, e)),
      });
      expect(res.status).toBe(200);
    }
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const query = `/api/stats${qs({ from, to, granularity: 'day', profileId: P })}`;
    // Each instance stores its counters on its own minute timer: wait until both are in.
    const total = await eventually(
      async () => {
        const res = await a.get(query);
        expect(res.status, res.text).toBe(200);
        return res.body.buckets.reduce(
          (sum: any, bucket: any) => ({
            sent: sum.sent + bucket.decisions.sent,
            blocked: sum.blocked + bucket.decisions.blocked,
            optedOut: sum.optedOut + bucket.changes.optedOut,
            reasons: { ...sum.reasons, ...bucket.decisions.byReason },
            sources: { ...sum.sources, ...bucket.changes.bySource },
          }),
          { sent: 0, blocked: 0, optedOut: 0, reasons: {}, sources: {} },
        );
      },
      (sum: any) => sum.sent + sum.blocked >= 30 && sum.optedOut >= 3,
      { timeoutMs: 30_000, everyMs: 500 },
    );
    expect(total).toEqual({
      sent: 15,
      blocked: 15,
      optedOut: 3,
      reasons: { 'purpose-opted-out': 15 },
      sources: { form: 2, internal: 1 },
    });
    // One stored entity per instance and hour: not one per message.
    const table = TableClient.fromConnectionString(inject('storageConnection'), 'activityStats', {
      allowInsecureConnection: true,
    });
    let rows = 0;
    for await (const _row of table.listEntities()) rows++;
    expect(rows).toBeLessThanOrEqual(2 * 2);
    // Another profile's activity is not in this profile's numbers; a bad range is a 400.
    expect((await a.get(`/api/stats${qs({ from: to, to: from })}`)).status).toBe(400);
  });

  it('exports the metrics of the contract and spans by operation, with no address, token or key', async () => {
    const links = await a.post('/api/links', {
      links: [{ channel: 'email', contactPoint: emails[5], profileId: P, purposeId: OFFERS }],
    });
    const token = new URL(links.body.links[0].unsubscribeUrl).pathname.split('/').pop()!;
    await boundedClient(hosts[0]!.url, null).get(`/api/unsubscribe/${token}`);
    await a.get(`/api/consents${qs({ channel: 'email', contactPoint: emails[0] })}`);
    const has = (name: string) => exported.some((e) => e.body.includes(`"${name}"`));
    const all = () =>
      has('consent.decisions') &&
      has('consent.changes') &&
      has('consent.storage.duration') &&
      exported.some((e) => e.path === '/v1/traces' && e.body.includes('readConsents'));
    expect(
      await eventually(async () => all(), Boolean, { everyMs: 300 }),
      `exported: ${exported.map((e) => e.path).join(', ')}`,
    ).toBe(true);
    const everything = exported.map((e) => e.body).join('\n');
    expect(everything).toContain('purpose-opted-out');
    expect(everything).toContain('readConsents'); // a span named after the operation
    for (const secret of [...emails, ...emails.map((e) => e.split('@')[0]!), token, KEY])
      expect(everything.includes(secret), secret).toBe(false);
  });
});
