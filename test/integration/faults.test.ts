/*
 * Storage faults: a TCP proxy between a dedicated host and a dedicated Azurite refuses, resets or
 * holds connections, also in the middle of a batch. The service must fail closed (503 with
 * Retry-After, never a `sent` decision), fail in bounded time, never leave a change without its
 * history entry, write nothing more once it has answered, and recover by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedClient, type BoundedClient, type Reply } from '../support/bounded-client';
import { qs } from '../support/client';
import {
  azuriteConnectionString,
  startAzurite,
  startHost,
  type RunningAzurite,
  type RunningHost,
} from '../support/processes';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

const KEY = 'faults-key';
/** Generous: the point is that an answer comes at all; the storage timeouts below are much shorter. */
const REQUEST_TIMEOUT_MS = 30_000;

const BATCH_REQUEST = /^POST \/devstoreaccount1\/\$batch /;
const BATCH_RESPONSE = /^HTTP\/1\.1 202 /;
const WRITE_REQUEST = /^(POST|PUT|PATCH|MERGE|DELETE) \/devstoreaccount1\//;
const POINT_READ = /^GET \/devstoreaccount1\/\w+\(PartitionKey=/;

let azurite: RunningAzurite;
/**
 * Refused and reset connections. Profiles are cached (as in production), so what fails under a
 * fault is the read of consent itself, never skipped.
 */
let proxy: TcpProxy;
let host: RunningHost;
let api: BoundedClient;
/** A store that accepts connections and never answers; a short STORAGE_TIMEOUT_MS. */
let hangProxy: TcpProxy;
let hangHost: RunningHost;
let hangApi: BoundedClient;

let run = 0;
const email = (tag: string) => `${tag}.${process.pid}.${++run}@faults.example.com`;

beforeAll(async () => {
  azurite = await startAzurite({ port: 0 });
  [proxy, hangProxy] = await Promise.all([
    startTcpProxy({ host: azurite.host, port: azurite.port }),
    startTcpProxy({ host: azurite.host, port: azurite.port }),
  ]);
  [host, hangHost] = await Promise.all([
    startHost({
      AzureWebJobsStorage: azuriteConnectionString(proxy.host, proxy.port),
      LOCAL_FUNCTION_KEY: KEY,
      CONSENT_TABLE_PREFIX: 'flt',
      PROFILE_CACHE_SECONDS: '300',
      STORAGE_TIMEOUT_MS: '5000',
      STORAGE_MAX_RETRIES: '1',
    }),
    startHost({
      AzureWebJobsStorage: azuriteConnectionString(hangProxy.host, hangProxy.port),
      LOCAL_FUNCTION_KEY: KEY,
      CONSENT_TABLE_PREFIX: 'hang',
      PROFILE_CACHE_SECONDS: '0',
      STORAGE_TIMEOUT_MS: '500',
      STORAGE_MAX_RETRIES: '1',
    }),
  ]);
  api = boundedClient(host.url, KEY, REQUEST_TIMEOUT_MS);
  hangApi = boundedClient(hangHost.url, KEY, REQUEST_TIMEOUT_MS);
});

afterAll(async () => {
  console.info(
    `[faults] faults injected: ${(proxy?.faults ?? 0) + (hangProxy?.faults ?? 0)} ` +
      `(refuse/reset proxy ${proxy?.faults ?? 0}, hanging proxy ${hangProxy?.faults ?? 0})`,
  );
  await Promise.allSettled([host?.stop(), hangHost?.stop()]);
  await Promise.allSettled([proxy?.stop(), hangProxy?.stop()]);
  await azurite?.stop();
});

function record(contactPoint: string, overrides: Record<string, unknown> = {}) {
  return { channel: 'email', contactPoint, purposeId: 'commercial', value: 'optedIn', ...overrides };
}

function message(contactPoint: string, messageId = 'm-1') {
  return { messageId, channel: 'email', contactPoint, profileId: 'default', purposeId: 'commercial' };
}

/** 503, problem+json, Retry-After, and nothing that could be taken for a decision. */
function expectUnavailable(res: Reply, what: string) {
  expect(res.status, `${what}: ${res.text}`).toBe(503);
  expect(res.headers.get('retry-after'), what).toMatch(/^\d+$/);
  expect(res.headers.get('content-type'), what).toContain('application/problem+json');
  expect(res.body, what).toMatchObject({
    status: 503,
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(res.body.decisions, what).toBeUndefined();
  expect(res.text, what).not.toMatch(/"sent"|devstoreaccount1|127\.0\.0\.1|ECONN|RestError|\bat \w/);
}

async function expectHealthUnavailable(client: BoundedClient) {
  const res = await client.get('/api/health');
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(res.body).toEqual({ status: 'degraded', storage: 'unavailable' });
}

/** Every route that needs consent storage, while storage is down. */
async function expectFailsClosed(client: BoundedClient, contactPoint: string) {
  await expectHealthUnavailable(client);
  expectUnavailable(
    await client.get(`/api/consents${qs({ channel: 'email', contactPoint })}`),
    'GET consents',
  );
  expectUnavailable(
    await client.post('/api/check', {
      messages: [message(contactPoint), message('other@example.com', 'm-2')],
    }),
    'POST check',
  );
  expectUnavailable(
    await client.get(`/api/contactability${qs({ channel: 'email', contactPoint, profileId: 'default' })}`),
    'GET contactability',
  );
  expectUnavailable(
    await client.get(`/api/consents/history${qs({ channel: 'email', contactPoint })}`),
    'GET history',
  );
  expectUnavailable(await client.post('/api/consents', record(contactPoint, { value: 'optedOut' })), 'POST');
}

async function expectServing(client: BoundedClient, contactPoint: string, value: string) {
  const health = await client.get('/api/health');
  expect(health.status).toBe(200);
  expect(health.body).toEqual({ status: 'ok', storage: 'ok' });
  const stored = await client.get(`/api/consents${qs({ channel: 'email', contactPoint })}`);
  expect(stored.status).toBe(200);
  expect(stored.body.records.map((r: any) => r.value)).toEqual([value]);
  const check = await client.post('/api/check', { messages: [message(contactPoint)] });
  expect(check.status).toBe(200);
  expect(check.body.decisions[0].decision).toBe(value === 'optedOut' ? 'blocked' : 'sent');
}

/** The contract, read back through the service: every stored record has exactly its history. */
async function expectRecordsMatchHistory(contactPoint: string): Promise<Map<string, number>> {
  const stored = await api.get(`/api/consents${qs({ channel: 'email', contactPoint })}`);
  expect(stored.status).toBe(200);
  const history = await api.get(
    `/api/consents/history${qs({ channel: 'email', contactPoint, limit: 1000 })}`,
  );
  expect(history.status).toBe(200);
  const entriesPerRecord = new Map<string, number>();
  const keyOf = (r: { purposeId: string; topicId?: string }) => `${r.purposeId}/${r.topicId ?? ''}`;
  for (const rec of stored.body.records) {
    const entries = (history.body.entries as any[]).filter((e) => keyOf(e.after) === keyOf(rec));
    expect(entries.length, `${contactPoint} ${keyOf(rec)}`).toBeGreaterThan(0);
    // Newest first: the newest entry is the stored record; each `before` is the previous `after`.
    expect(entries[0].after).toEqual(rec);
    for (let i = 0; i + 1 < entries.length; i++) expect(entries[i].before).toEqual(entries[i + 1].after);
    expect(entries[entries.length - 1].before).toBeNull();
    entriesPerRecord.set(keyOf(rec), entries.length);
  }
  // No entry for a record that is not stored.
  const keys = new Set(stored.body.records.map(keyOf));
  for (const entry of history.body.entries) expect(keys.has(keyOf(entry.after))).toBe(true);
  return entriesPerRecord;
}

describe('storage down (connections refused or reset)', () => {
  for (const mode of ['refuse', 'reset'] as const) {
    it(`fails closed with 503 + Retry-After while storage ${mode}s connections, and recovers by itself`, async () => {
      const alice = email(`alice-${mode}`);
      expect((await api.post('/api/consents', record(alice))).status).toBe(200);
      await expectServing(api, alice, 'optedIn');

      await proxy.setMode(mode);
      await expectFailsClosed(api, alice);
      // Still down: a second round gets the same answers (nothing was cached on the way).
      expectUnavailable(await api.post('/api/check', { messages: [message(alice)] }), 'POST check again');

      await proxy.setMode('forward');
      // No restart: the very next requests are served, and the write refused above never happened.
      await expectServing(api, alice, 'optedIn');
      const perRecord = await expectRecordsMatchHistory(alice);
      expect([...perRecord.values()]).toEqual([1]);
    });
  }
});

describe('a fault in the middle of a batch', () => {
  const cases = [
    { name: 'the response of a committed transaction is lost (reset)', trigger: 'response', mode: 'reset' },
    { name: 'a transaction never reaches storage (refused)', trigger: 'request', mode: 'refuse' },
  ] as const;

  for (const { name, trigger, mode } of cases) {
    it(`writes record by record or not at all when ${name}`, async () => {
      const points = Array.from({ length: 120 }, (_, i) => email(`batch-${mode}-${i}`));
      const first = await api.post('/api/consents', {
        records: points.flatMap((cp) => [record(cp), record(cp, { purposeId: 'tracking' })]),
      });
      expect(first.status).toBe(200);
      expect(first.body.results.every((r: any) => r.outcome === 'created')).toBe(true);

      const update = {
        records: points.flatMap((cp) => [
          record(cp, { value: 'optedOut', reason: 'optOutTooFrequent' }),
          record(cp, { purposeId: 'tracking', value: 'optedOut' }),
        ]),
      };
      const writes = proxy.watch('request', WRITE_REQUEST);
      const fired = proxy.armFault({
        direction: trigger,
        pattern: trigger === 'response' ? BATCH_RESPONSE : BATCH_REQUEST,
        nth: 20,
        mode,
      });
      const cut = await api.post('/api/consents', update);
      await fired;
      expectUnavailable(cut, 'POST consents hit by the fault');

      // Once answered, the request sends no write to storage any more, not even when storage comes
      // back while the service could still be working on the batch (counted at the proxy).
      const writesAtAnswer = writes();
      await proxy.setMode('forward');
      for (let i = 0; i < 5; i++) expect((await api.get('/api/health')).status).toBe(200);
      expect(writes()).toBe(writesAtAnswer);

      // Every contact point: each stored record has exactly its history, the update applied or not.
      let applied = 0;
      for (const cp of points) {
        const perRecord = await expectRecordsMatchHistory(cp);
        for (const count of perRecord.values()) {
          expect([1, 2]).toContain(count);
          if (count === 2) applied++;
        }
      }
      // The fault really was mid-batch: some changes were committed, others not.
      expect(applied).toBeGreaterThan(0);
      expect(applied).toBeLessThan(points.length * 2);

      // The client retries the whole batch: what was applied is `unchanged`, the rest is applied once.
      const retried = await api.post('/api/consents', update);
      expect(retried.status).toBe(200);
      const outcomes = retried.body.results.map((r: any) => r.outcome);
      expect(outcomes.filter((o: string) => o === 'unchanged')).toHaveLength(applied);
      expect(outcomes.filter((o: string) => o === 'updated')).toHaveLength(points.length * 2 - applied);
      for (const cp of points.slice(0, 10)) {
        expect([...(await expectRecordsMatchHistory(cp)).values()]).toEqual([2, 2]);
      }
    });
  }

  it('answers 503 and no decision when a check batch loses storage half-way through its reads', async () => {
    const points = Array.from({ length: 200 }, (_, i) => email(`check-${i}`));
    const before = await api.post('/api/check', { messages: points.map((cp, i) => message(cp, `m-${i}`)) });
    expect(before.status).toBe(200);
    expect(before.body.decisions).toHaveLength(200);

    const fired = proxy.armFault({ direction: 'request', pattern: POINT_READ, nth: 60, mode: 'reset' });
    const cut = await api.post('/api/check', { messages: points.map((cp, i) => message(cp, `m-${i}`)) });
    await fired;
    expectUnavailable(cut, 'POST check hit by the fault');

    await proxy.setMode('forward');
    const after = await api.post('/api/check', { messages: points.map((cp, i) => message(cp, `m-${i}`)) });
    expect(after.status).toBe(200);
    expect(after.body.decisions.map((d: any) => d.decision)).toEqual(points.map(() => 'sent'));
  });
});

describe('all or nothing per contact point, however many records a request names', () => {
  const TOPICS_PER_PURPOSE = 100;
  const purposes = ['many-a', 'many-b', 'many-c'];
  const topicRecords = (cp: string, value: string) =>
    purposes
      .flatMap((purposeId) =>
        Array.from({ length: TOPICS_PER_PURPOSE }, (_, i) =>
          record(cp, { purposeId, topicId: `${purposeId}-t${i}`, value }),
        ),
      )
      .slice(0, 250);

  beforeAll(async () => {
    const res = await api.put('/api/profiles/many', {
      name: 'Many topics',
      purposes: [
        ...purposes.map((id) => ({
          id,
          name: id,
          type: 'commercial',
          enforcement: 'nonRestrictive',
          topics: Array.from({ length: TOPICS_PER_PURPOSE }, (_, i) => ({
            id: `${id}-t${i}`,
            name: `T${i}`,
          })),
        })),
        { id: 'many-tracking', name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
      ],
    });
    expect(res.status, res.text).toBe(201);
  });

  it('commits 250 changes to one contact point in one transaction', async () => {
    const cp = email('one-commit');
    const batches = proxy.watch('request', BATCH_REQUEST);
    const res = await api.post('/api/consents', { records: topicRecords(cp, 'optedIn') });
    expect(res.status, res.text).toBe(200);
    expect(batches()).toBe(1);
    const history = await api.get(
      `/api/consents/history${qs({ channel: 'email', contactPoint: cp, limit: 1000 })}`,
    );
    expect(history.body.entries).toHaveLength(250);
  });

  for (const { name, trigger, mode } of [
    { name: 'the commit never reaches storage', trigger: 'request', mode: 'refuse' },
    { name: 'the answer of the commit is lost', trigger: 'response', mode: 'reset' },
  ] as const) {
    it(`leaves all 250 written or none when ${name}`, async () => {
      const cp = email(`atomic-${mode}`);
      const fired = proxy.armFault({
        direction: trigger,
        pattern: trigger === 'response' ? BATCH_RESPONSE : BATCH_REQUEST,
        nth: 1,
        mode,
      });
      const cut = await api.post('/api/consents', { records: topicRecords(cp, 'optedOut') });
      await fired;
      expectUnavailable(cut, 'POST consents hit by the fault');
      await proxy.setMode('forward');

      const stored = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: cp })}`);
      expect([0, 250]).toContain(stored.body.records.length);
      const history = await api.get(
        `/api/consents/history${qs({ channel: 'email', contactPoint: cp, limit: 1000 })}`,
      );
      expect(history.body.entries).toHaveLength(stored.body.records.length);
      // Re-sent, the request completes: the same 250 records, each with exactly one history entry.
      const again = await api.post('/api/consents', { records: topicRecords(cp, 'optedOut') });
      expect(again.status).toBe(200);
      const outcomes = new Set(again.body.results.map((r: any) => r.outcome));
      expect(outcomes).toEqual(new Set([stored.body.records.length === 250 ? 'unchanged' : 'created']));
      expect([...(await expectRecordsMatchHistory(cp)).values()]).toEqual(Array(250).fill(1));
    });
  }
});

describe('one-click unsubscribe while storage is down', () => {
  it('answers 503 with Retry-After so the sender retries, writes nothing, and works once storage is back', async () => {
    const cp = email('oneclick');
    const made = await api.post('/api/links', {
      links: [{ channel: 'email', contactPoint: cp, profileId: 'default' }],
    });
    expect(made.status, made.text).toBe(200);
    const url = new URL(made.body.links[0].unsubscribeUrl);
    const post = () =>
      fetch(`${host.url}${url.pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    await proxy.setMode('refuse');
    const down = await post();
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(down.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await down.text()).toContain('Please try again');
    await proxy.setMode('forward');
    expect(
      (await api.get(`/api/consents${qs({ channel: 'email', contactPoint: cp })}`)).body.records,
    ).toEqual([]);
    expect((await post()).status).toBe(200);
    const stored = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: cp })}`);
    expect(stored.body.records.map((r: any) => [r.purposeId, r.value])).toEqual([['commercial', 'optedOut']]);
  });
});

describe('double opt-in while storage is down', () => {
  it('a confirmation answers a 503 page and writes nothing; the same link confirms once storage is back', async () => {
    const cp = email('confirm');
    const made = await api.post('/api/consents/confirmations', {
      channel: 'email',
      contactPoint: cp,
      profileId: 'default',
      purposeId: 'commercial',
    });
    expect(made.status, made.text).toBe(202);
    const url = new URL(made.body.confirmUrl);
    const post = () =>
      fetch(`${host.url}${url.pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    await proxy.setMode('refuse');
    const down = await post();
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await down.text()).toContain('Please try again');
    const request = await api.post('/api/consents/confirmations', {
      channel: 'email',
      contactPoint: cp,
      profileId: 'default',
      purposeId: 'commercial',
    });
    expect(request.status).toBe(503);
    await proxy.setMode('forward');
    expect(
      (await api.get(`/api/consents${qs({ channel: 'email', contactPoint: cp })}`)).body.records,
    ).toEqual([]);
    expect((await post()).status).toBe(200);
    const stored = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: cp })}`);
    expect(stored.body.records.map((r: any) => [r.purposeId, r.value, r.confirmation !== undefined])).toEqual(
      [['commercial', 'optedIn', true]],
    );
  });

  it('an as-of check answers 503, never a guess, when the history cannot be read', async () => {
    const cp = email('asof');
    expect(
      (
        await api.post('/api/consents', {
          channel: 'email',
          contactPoint: cp,
          purposeId: 'commercial',
          value: 'optedOut',
        })
      ).status,
    ).toBe(200);
    await proxy.setMode('refuse');
    try {
      const res = await api.post('/api/check', {
        asOf: new Date(Date.now() - 60_000).toISOString(),
        messages: [
          {
            messageId: 'm',
            channel: 'email',
            contactPoint: cp,
            profileId: 'default',
            purposeId: 'commercial',
          },
        ],
      });
      expect(res.status).toBe(503);
      expect(res.body.decisions).toBeUndefined();
    } finally {
      await proxy.setMode('forward');
    }
  });
});

describe('a hanging store (accepts, never answers)', () => {
  it('answers 503 once STORAGE_TIMEOUT_MS runs out, and recovers by itself', async () => {
    const bob = email('bob');
    expect((await hangApi.post('/api/consents', record(bob, { value: 'optedOut' }))).status).toBe(200);
    await expectServing(hangApi, bob, 'optedOut');

    await hangProxy.setMode('hang');
    await expectFailsClosed(hangApi, bob);

    await hangProxy.setMode('forward');
    await expectServing(hangApi, bob, 'optedOut');
  });
});
