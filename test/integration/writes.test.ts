/*
 * The write path's shortcuts keep every guarantee: a contact point that is probably new is created
 * without a read (and read and applied when it exists after all), a request's commits share one
 * feed marker, a load is one upsert. Fresh hosts know nothing, so they guess "new" for every contact
 * point: exactly the case where a wrong guess must still give exact outcomes.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { boundedClient, type BoundedClient } from '../support/bounded-client';
import { qs } from '../support/client';
import { startHost, type RunningHost } from '../support/processes';

const base = {
  CONSENT_TABLE_PREFIX: 'writes',
  CHANGE_FEED_SETTLE_SECONDS: '2',
  PROFILE_CACHE_SECONDS: '0',
};
const hosts: RunningHost[] = [];
let first: BoundedClient;
let run = 0;
const email = (tag: string) => `${tag}.${process.pid}.${++run}@writes.example.com`;

async function freshHost(): Promise<BoundedClient> {
  const host = await startHost({ AzureWebJobsStorage: inject('storageConnection'), ...base });
  hosts.push(host);
  return boundedClient(host.url, null);
}

beforeAll(async () => {
  first = await freshHost();
});
afterAll(async () => {
  await Promise.allSettled(hosts.map((h) => h.stop()));
});

function record(contactPoint: string, overrides: Record<string, unknown> = {}) {
  return { channel: 'email', contactPoint, purposeId: 'commercial', value: 'optedIn', ...overrides };
}

async function history(client: BoundedClient, contactPoint: string) {
  const res = await client.get(`/api/consents/history${qs({ channel: 'email', contactPoint, limit: 1000 })}`);
  expect(res.status).toBe(200);
  return res.body.entries as any[];
}

describe('contact points that exist after all', () => {
  it('a fresh instance writing to existing contact points gets updated, unchanged and stale right', async () => {
    const [a, b, c] = [email('a'), email('b'), email('c')];
    const created = await first.post('/api/consents', {
      records: [record(a, { capturedAt: '2026-11-01T10:00:00Z' }), record(b), record(c)],
    });
    expect(created.body.results.map((r: any) => r.outcome)).toEqual(['created', 'created', 'created']);

    const fresh = await freshHost();
    const res = await fresh.post('/api/consents', {
      records: [
        record(a, { value: 'optedOut', capturedAt: '2026-11-01T09:00:00Z' }),
        record(b, { value: 'optedOut' }),
        record(c),
        record(email('new')),
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.map((r: any) => r.outcome)).toEqual(['stale', 'updated', 'unchanged', 'created']);
    expect(res.body.results[1].record.createdAt).toBe(created.body.results[1].record.createdAt);
    const entries = await history(fresh, b);
    expect(entries.map((e) => [e.before?.value ?? null, e.after.value])).toEqual([
      ['optedIn', 'optedOut'],
      [null, 'optedIn'],
    ]);
    expect(await history(fresh, a)).toHaveLength(1);
  });

  it('a large request to existing contact points reads a sample first, and every outcome is right', async () => {
    const points = Array.from({ length: 120 }, (_, i) => email(`many${i}`));
    await first.post('/api/consents', { records: points.map((cp) => record(cp)) });
    const fresh = await freshHost();
    const res = await fresh.post('/api/consents', {
      records: points.map((cp, i) => record(cp, { value: i % 2 ? 'optedOut' : 'optedIn' })),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.map((r: any) => r.outcome)).toEqual(
      points.map((_, i) => (i % 2 ? 'updated' : 'unchanged')),
    );
    for (const cp of points.slice(0, 6)) {
      const entries = await history(fresh, cp);
      expect(entries.at(-1)!.before).toBeNull();
      expect(entries.length).toBeLessThanOrEqual(2);
    }
  });

  it('two fresh instances creating the same new contact points at once lose no write', async () => {
    const points = Array.from({ length: 40 }, (_, i) => email(`race${i}`));
    const [x, y] = await Promise.all([freshHost(), freshHost()]);
    const [rx, ry] = await Promise.all([
      x.post(
        '/api/consents',
        { records: points.map((cp) => record(cp, { reasonDescription: 'x' })) },
        { 'x-consent-actor': 'x' },
      ),
      y.post(
        '/api/consents',
        { records: points.map((cp) => record(cp, { reasonDescription: 'y' })) },
        { 'x-consent-actor': 'y' },
      ),
    ]);
    expect([rx.status, ry.status]).toEqual([200, 200]);
    for (const [i, cp] of points.entries()) {
      const outcomes = [rx.body.results[i].outcome, ry.body.results[i].outcome].sort();
      expect(['created,updated', 'created,stale'].includes(outcomes.join(',')), `${cp}: ${outcomes}`).toBe(
        true,
      );
      const entries = await history(x, cp);
      // Each applied write has its entry, the chain is unbroken, and the record is the newest after.
      expect(entries).toHaveLength(outcomes.includes('updated') ? 2 : 1);
      if (entries.length === 2) expect(entries[0].before).toEqual(entries[1].after);
      const stored = await x.get(`/api/consents${qs({ channel: 'email', contactPoint: cp })}`);
      expect(stored.body.records[0]).toEqual(entries[0].after);
    }
  });
});

describe('loads', () => {
  it('a load of 2,500 members is one upsert: every address created once, a repeat unchanged', async () => {
    const members = Array.from({ length: 2500 }, (_, i) => ({
      email: email(`load${i}`),
      doNotTrack: i % 3 === 0,
    }));
    const body = { profileId: 'default', purposeId: 'commercial', from: 'contacts', members };
    const loaded = await first.post('/api/consents/load', body);
    expect(loaded.status, loaded.text).toBe(200);
    expect(loaded.body).toEqual({
      consent: { created: 2500, updated: 0, unchanged: 0, suppressed: 0 },
      tracking: { created: 2500, updated: 0, unchanged: 0, suppressed: 0 },
    });
    const fresh = await freshHost();
    const again = await fresh.post('/api/consents/load', body);
    expect(again.body).toEqual({
      consent: { created: 0, updated: 0, unchanged: 2500, suppressed: 0 },
      tracking: { created: 0, updated: 0, unchanged: 2500, suppressed: 0 },
    });
  });
});
