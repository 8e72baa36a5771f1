/*
 * The change feed: every committed change, in commit order, once; never one that did not commit.
 * Hosts of its own (a short settle window), two of them with clocks apart, and one behind a TCP
 * proxy that cuts storage between a marker and its commit.
 */
import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { boundedClient, type BoundedClient } from '../support/bounded-client';
import { qs } from '../support/client';
import {
  azuriteConnectionString,
  startAzurite,
  startHost,
  type RunningAzurite,
  type RunningHost,
} from '../support/processes';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { subjectOf } from '../../shared/storage/subject-key';

const FEED = { CHANGE_FEED_SETTLE_SECONDS: '2', PROFILE_CACHE_SECONDS: '0' };
const BATCH_REQUEST = /^POST \/devstoreaccount1\/\$batch /;
const BATCH_RESPONSE = /^HTTP\/1\.1 202 /;

const hosts: RunningHost[] = [];
let api: BoundedClient;
let run = 0;
const email = (tag: string) => `${tag}.${process.pid}.${++run}@feed.example.com`;

beforeAll(async () => {
  const host = await startHost({
    AzureWebJobsStorage: inject('storageConnection'),
    CONSENT_TABLE_PREFIX: 'feed1',
    ...FEED,
  });
  hosts.push(host);
  api = boundedClient(host.url, null);
});

afterAll(async () => {
  await Promise.allSettled(hosts.map((h) => h.stop()));
});

function record(contactPoint: string, overrides: Record<string, unknown> = {}) {
  return { channel: 'email', contactPoint, purposeId: 'commercial', value: 'optedIn', ...overrides };
}

async function write(client: BoundedClient, body: unknown, actor = 'test') {
  const res = await client.post('/api/consents', body, { 'x-consent-actor': actor });
  expect(res.status, res.text).toBe(200);
  return res.body.results as any[];
}

async function now(client: BoundedClient): Promise<string> {
  const res = await client.get('/api/consents/changes?cursor=now');
  expect(res.status, res.text).toBe(200);
  expect(res.body.changes).toEqual([]);
  return res.body.cursor;
}

/**
 * Reads the feed from `cursor` until `done` holds for everything read (polling: a change is served
 * once its settle window has passed), through the given clients in turn.
 */
async function tail(
  clients: BoundedClient[],
  cursor: string,
  done: (changes: any[]) => boolean,
  { limit = 100, timeoutMs = 40_000 } = {},
): Promise<{ changes: any[]; cursor: string; pages: number }> {
  const changes: any[] = [];
  const deadline = Date.now() + timeoutMs;
  let pages = 0;
  while (!done(changes)) {
    if (Date.now() > deadline)
      throw new Error(`the feed did not deliver in time; got ${changes.length} changes`);
    const res = await clients[pages % clients.length]!.get(`/api/consents/changes${qs({ cursor, limit })}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.changes.length).toBeLessThanOrEqual(limit);
    changes.push(...res.body.changes);
    cursor = res.body.cursor;
    pages++;
  }
  return { changes, cursor, pages };
}

const reached = (contactPoint: string) => (changes: any[]) =>
  changes.some((c) => c.contactPoint === contactPoint);
const summary = (c: any) =>
  `${c.contactPoint.split('.')[0]} ${c.purposeId} ${c.before?.value ?? '-'}>${c.after.value}`;

describe('order, outcomes and cursors', () => {
  it('serves each change once, in commit order; unchanged and stale writes produce none', async () => {
    const cursor = await now(api);
    const [x, y, z] = [email('x'), email('y'), email('z')];
    await write(api, record(x, { capturedAt: '2026-11-01T10:00:00Z' }));
    await write(api, record(x, { value: 'optedOut', capturedAt: '2026-11-01T11:00:00Z' }));
    expect(
      (await write(api, record(x, { value: 'optedOut', capturedAt: '2026-11-01T12:00:00Z' })))[0].outcome,
    ).toBe('unchanged');
    expect((await write(api, record(x, { capturedAt: '2026-11-01T09:00:00Z' })))[0].outcome).toBe('stale');
    await write(api, { records: [record(y), record(y, { purposeId: 'tracking', value: 'optedOut' })] });
    await write(api, record(z));
    const { changes } = await tail([api], cursor, reached(z));
    expect(changes.map(summary)).toEqual([
      'x commercial ->optedIn',
      'x commercial optedIn>optedOut',
      'y commercial ->optedIn',
      'y tracking ->optedOut',
      'z commercial ->optedIn',
    ]);
    expect(changes[0]).toMatchObject({
      actor: 'test',
      source: 'internal',
      channel: 'email',
      contactPoint: x,
      // The digest an erasure of x will name: kept by consumers to erase x on their side then.
      subject: subjectOf('email', x),
    });
    expect(changes[1].before).toEqual(changes[0].after);
    // What the feed served is what the history holds.
    const history = await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint: x })}`);
    expect(history.body.entries.reverse().map((e: any) => e.after)).toEqual(
      changes.slice(0, 2).map((c) => c.after),
    );
  });

  it('pages with limit, splitting a large commit, and resumes exactly from a saved cursor', async () => {
    const start = await now(api);
    const points = Array.from({ length: 7 }, (_, i) => email(`page${i}`));
    for (const cp of points) await write(api, record(cp));
    await write(api, {
      records: [
        record(points[0]!, { purposeId: 'tracking' }),
        record(points[0]!, { purposeId: 'transactional' }),
      ],
    });
    const sentinel = email('sentinel');
    await write(api, record(sentinel));

    const all = await tail([api], start, reached(sentinel), { limit: 3 });
    expect(all.changes).toHaveLength(10);
    expect(all.pages).toBeGreaterThanOrEqual(4);

    // A consumer that stopped after its first full page resumes with the cursor it kept.
    const first = await api.get(`/api/consents/changes${qs({ cursor: start, limit: 3 })}`);
    expect(first.body.changes).toHaveLength(3);
    const rest = await tail([api], first.body.cursor, reached(sentinel), { limit: 2 });
    expect([...first.body.changes, ...rest.changes].map(summary)).toEqual(all.changes.map(summary));
    // From the end, nothing more, and a cursor that still works.
    const after = await api.get(`/api/consents/changes${qs({ cursor: all.cursor })}`);
    expect(after.body.changes).toEqual([]);
  });

  it('refuses cursors it did not issue with 400, and one older than the retention with 410', async () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    for (const cursor of [
      'garbage',
      'c1.',
      'c1.!!!',
      `c1.${b64('x|0')}`,
      `c1.${b64('123|0')}`,
      `c2.${b64('|0')}`,
      'c1.' + 'A'.repeat(300),
    ]) {
      const res = await api.get(`/api/consents/changes${qs({ cursor })}`);
      expect(res.status, cursor).toBe(400);
      expect(res.body.errors[0].path).toBe('cursor');
    }
    for (const limit of [0, 1001, 'x']) {
      expect((await api.get(`/api/consents/changes${qs({ limit })}`)).status).toBe(400);
    }
    const old = `${String(Date.now() - 40 * 86_400_000).padStart(15, '0')}-${randomUUID()}`;
    const gone = await api.get(`/api/consents/changes${qs({ cursor: `c1.${b64(`${old}|0`)}` })}`);
    expect(gone.status).toBe(410);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('two instances with clocks 800 ms apart, concurrent writers of several contact points per request', () => {
  it('loses no change and repeats none, and keeps each contact point in commit order', async () => {
    const base = { AzureWebJobsStorage: inject('storageConnection'), CONSENT_TABLE_PREFIX: 'feed2', ...FEED };
    const [a, b] = await Promise.all([
      startHost({ ...base, LOCAL_CLOCK_OFFSET_MS: '400' }),
      startHost({ ...base, LOCAL_CLOCK_OFFSET_MS: '-400' }),
    ]);
    hosts.push(a, b);
    const clients = [boundedClient(a.url, null), boundedClient(b.url, null)];
    const start = await now(clients[0]!);
    const points = Array.from({ length: 12 }, (_, i) => email(`busy${i}`));

    // A consumer tails through both instances while 16 writers on both change the same points.
    let writing = true;
    const consumed: any[] = [];
    let cursor = start;
    const consumer = (async () => {
      let turn = 0;
      while (writing) {
        const res = await clients[turn++ % 2]!.get(`/api/consents/changes${qs({ cursor, limit: 50 })}`);
        expect(res.status).toBe(200);
        consumed.push(...res.body.changes);
        cursor = res.body.cursor;
      }
    })();
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        const client = clients[w % 2]!;
        for (let i = 0; i < 15; i++) {
          // Three contact points per request: their commits share one marker, and when one of them
          // loses a race its retry announces itself while the others stay served from the shared one.
          const records = [0, 1, 2].map((k) =>
            record(points[(w * 7 + i + k * 5) % points.length]!, {
              value: (w + i + k) % 2 ? 'optedOut' : 'optedIn',
              reasonDescription: `w${w}-${i}`,
            }),
          );
          await write(client, { records }, `writer-${w}`);
        }
      }),
    );
    writing = false;
    await consumer;

    const key = (c: any) => `${c.contactPoint}/${c.purposeId}/${c.after.version}`;
    const committed = new Set<string>();
    for (const cp of points) {
      const history = await clients[0]!.get(
        `/api/consents/history${qs({ channel: 'email', contactPoint: cp, limit: 1000 })}`,
      );
      for (const entry of history.body.entries) committed.add(key({ contactPoint: cp, ...entry }));
    }
    // Writes through the instance whose clock is behind are sometimes stale (capture time = receipt
    // time); the feed must hold exactly what committed, whatever that was. Across contact points the
    // feed follows marker time, so the consumer reads on until it has every committed change.
    expect(committed.size).toBeGreaterThan(60);
    const has = (changes: any[]) => {
      const keys = new Set([...consumed, ...changes].map(key));
      return [...committed].every((k) => keys.has(k));
    };
    consumed.push(...(await tail(clients, cursor, has, { limit: 50 })).changes);

    const seen = consumed.map(key);
    expect(new Set(seen).size, 'no change served twice').toBe(seen.length);
    expect(new Set(seen)).toEqual(committed);
    for (const cp of points) {
      // Per contact point, the feed holds its versions in the order they were committed.
      const versions = consumed.filter((c) => c.contactPoint === cp).map((c) => Number(c.after.version));
      expect(versions).toEqual([...versions].sort((x, y) => x - y));
    }
  });
});

describe('a commit that fails after its marker was written', () => {
  let azurite: RunningAzurite;
  let proxy: TcpProxy;
  let faulty: BoundedClient;

  beforeAll(async () => {
    azurite = await startAzurite({ port: 0 });
    proxy = await startTcpProxy({ host: azurite.host, port: azurite.port });
    const host = await startHost({
      AzureWebJobsStorage: azuriteConnectionString(proxy.host, proxy.port),
      CONSENT_TABLE_PREFIX: 'feedf',
      ...FEED,
      STORAGE_TIMEOUT_MS: '1000',
      CHANGE_FEED_COMMIT_DEADLINE_SECONDS: '4',
    });
    hosts.push(host);
    faulty = boundedClient(host.url, null);
  });
  afterAll(async () => {
    await proxy?.stop();
    await azurite?.stop();
  });

  it('is never served when the commit never reached storage; is served once when only its answer was lost', async () => {
    const cursor = await now(faulty);
    const [before, lost, landed, after] = [email('before'), email('lost'), email('landed'), email('after')];
    await write(faulty, record(before));

    let fired = proxy.armFault({ direction: 'request', pattern: BATCH_REQUEST, nth: 1, mode: 'refuse' });
    expect((await faulty.post('/api/consents', record(lost, { value: 'optedOut' }))).status).toBe(503);
    await fired;
    await proxy.setMode('forward');

    fired = proxy.armFault({ direction: 'response', pattern: BATCH_RESPONSE, nth: 1, mode: 'reset' });
    expect((await faulty.post('/api/consents', record(landed, { value: 'optedOut' }))).status).toBe(503);
    await fired;
    await proxy.setMode('forward');

    await write(faulty, record(after));
    const { changes } = await tail([faulty], cursor, reached(after));
    expect(changes.map((c) => c.contactPoint)).toEqual([before, landed, after]);
    const history = (cp: string) =>
      faulty.get(`/api/consents/history${qs({ channel: 'email', contactPoint: cp })}`);
    expect((await history(lost)).body.entries).toEqual([]);
    expect((await history(landed)).body.entries).toHaveLength(1);
  });
});

describe('retention', () => {
  it('the timer-triggered function removes markers older than CHANGE_FEED_DAYS and nothing newer', async () => {
    const host = await startHost({
      AzureWebJobsStorage: inject('storageConnection'),
      CONSENT_TABLE_PREFIX: 'feedr',
      ...FEED,
      CHANGE_FEED_DAYS: '30',
      CHANGE_FEED_PURGE_SCHEDULE: '*/1 * * * * *',
    });
    hosts.push(host);
    const client = boundedClient(host.url, null);
    const cursor = await now(client);
    const fresh = email('fresh');
    await write(client, record(fresh));

    const feed = TableClient.fromConnectionString(inject('storageConnection'), 'feedrFeed', {
      allowInsecureConnection: true,
    });
    const old = Date.now() - 40 * 86_400_000;
    const bucket = new Date(old).toISOString().slice(0, 19).replace(/[-T:]/g, '');
    const position = `${String(old).padStart(15, '0')}-${randomUUID()}`;
    await feed.createEntity({
      partitionKey: `0-${bucket}`,
      rowKey: position,
      time: old,
      deadline: old + 60_000,
    });

    const deadline = Date.now() + 20_000;
    const purged = () =>
      host.logs.find((line) => /change feed retention: [1-9]\d* markers removed/.test(line));
    while (!purged()) {
      if (Date.now() > deadline) throw new Error(`no retention run logged:\n${host.logs.join('\n')}`);
      await new Promise((tick) => setImmediate(tick));
      await client.get('/api/health');
    }
    await expect(feed.getEntity(`0-${bucket}`, position)).rejects.toMatchObject({ statusCode: 404 });
    const { changes } = await tail([client], cursor, reached(fresh));
    expect(changes.map((c) => c.contactPoint)).toEqual([fresh]);
  });
});
