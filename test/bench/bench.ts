/*
 * `npm run bench`: the service against the raw storage work it needs, in one run, at the same
 * concurrency (../shared/PERF.md). Starts its own in-memory Azurite and local hosts; prints one line
 * per figure and the ratios. Absolute numbers are noisy on shared machines; the ratios are what we
 * compare. Figures compared with each other are measured in alternating rounds, median kept.
 */
import { randomUUID } from 'node:crypto';
import type { TransactionAction } from '@azure/data-tables';
import { markerPartition, positionOf } from '../../shared/feed/feed-markers';
import { contactPointKey, STATE_ROW_KEY } from '../../shared/storage/keys';
import { useSubjectKey } from '../../shared/storage/subject-key';
import { OpenIdIssuer } from '../support/openid-issuer';
import { startAzurite, startHost, TEST_SUBJECT_KEY, type RunningHost } from '../support/processes';
import { measureColdStart, printColdStart } from './cold-start';
import { benchErasure } from './erasure-bench';
import { benchMcp } from './mcp-bench';
import { benchTelemetry } from './telemetry-bench';
import { benchWebhooks } from './webhooks-bench';
import { benchSendDecision } from './send-decision-bench';
import { client, inFlight, latencies, median, percentile, rate, storedShape } from './measure';

const BASE_CONTACT_POINTS = Number(process.env.BENCH_CONTACT_POINTS ?? 2000);
const SCALE = 10;
const READS_IN_FLIGHT = 32;
const BATCHES_IN_FLIGHT = 2; // x STORAGE_CONCURRENCY 16 in the host = 32 in flight, as for raw calls
const BATCH_SIZE = 100;
const MEASURE_MS = Number(process.env.BENCH_SECONDS ?? 4) * 1000;
const LATENCY_CALLS = Number(process.env.BENCH_LATENCY_CALLS ?? 1000);
const ROUNDS = 3;

const PROFILE = {
  name: 'Bench',
  purposes: [
    {
      id: 'bench-promo',
      name: 'Promo',
      type: 'commercial',
      enforcement: 'nonRestrictive',
      topics: [{ id: 'bench-news', name: 'News' }],
    },
    { id: 'bench-track', name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
  ],
};

const address = (i: number) => `bench.${i}@example.com`;

async function main(): Promise<void> {
  // The bench reads raw entities by the keys the hosts derive: with the same subject key.
  useSubjectKey(TEST_SUBJECT_KEY);
  const azurite = await startAzurite({ port: 0 });
  const hostSettings = {
    AzureWebJobsStorage: azurite.connectionString,
    STORAGE_CONCURRENCY: String(READS_IN_FLIGHT / BATCHES_IN_FLIGHT),
    STORAGE_MAX_RETRIES: '2',
  };
  const hosts: RunningHost[] = [];
  const stops: Array<() => Promise<void>> = [];
  const figures: Record<string, number> = {};
  const report = (name: string, value: number, unit: string, digits = 0) => {
    figures[name] = value;
    console.log(`${name.padEnd(44)} ${value.toFixed(digits).padStart(9)} ${unit}`);
  };

  try {
    const host = await startHost({ ...hostSettings, CONSENT_TABLE_PREFIX: 'bench' });
    const plain = await startHost({
      ...hostSettings,
      CONSENT_TABLE_PREFIX: 'benchplain',
      CHANGE_FEED_DAYS: '0',
    });
    hosts.push(host, plain);
    // The same tables under AUTH_MODE=entra, with a local issuer: a token on every call.
    const issuer = await OpenIdIssuer.start('api://bench');
    const entra = await startHost({
      ...hostSettings,
      CONSENT_TABLE_PREFIX: 'bench',
      AUTH_MODE: 'entra',
      AUTH_ISSUER: issuer.url,
      AUTH_AUDIENCE: 'api://bench',
    });
    const bearer = {
      authorization: `Bearer ${await issuer.token({ roles: ['Consent.Check'], expiresIn: 3600 })}`,
    };
    stops.push(
      () => issuer.stop(),
      () => entra.stop(),
    );
    const call = async (on: RunningHost, path: string, body: unknown, method = 'POST') => {
      const res = await fetch(`${on.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(on === entra ? bearer : {}) },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as any;
    };
    for (const on of hosts) await call(on, '/api/profiles/bench', PROFILE, 'PUT');
    const consentTable = client(azurite.connectionString, 'benchConsents');

    // Load contact points through the API: purpose, topic and tracking consent for each.
    const load = async (from: number, to: number): Promise<number> => {
      const started = performance.now();
      const chunks: number[][] = [];
      for (let i = from; i < to; i += 333) chunks.push([i, Math.min(i + 333, to)]);
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < chunks.length) {
            const [a, b] = chunks[next++]!;
            const records = [];
            for (let i = a!; i < b!; i++) {
              records.push(
                { channel: 'email', contactPoint: address(i), purposeId: 'bench-promo', value: 'optedIn' },
                {
                  channel: 'email',
                  contactPoint: address(i),
                  purposeId: 'bench-promo',
                  topicId: 'bench-news',
                  value: i % 7 === 0 ? 'optedOut' : 'optedIn',
                },
                { channel: 'email', contactPoint: address(i), purposeId: 'bench-track', value: 'optedIn' },
              );
            }
            await call(host, '/api/consents', { records });
          }
        }),
      );
      return ((to - from) * 3) / ((performance.now() - started) / 1000);
    };
    report('load, 3 records per contact point (records/s)', await load(0, BASE_CONTACT_POINTS), 'records/s');

    // ---- Writes: the service against exactly the storage work a consent write needs. A request of
    // BATCH_SIZE new contact points stores one feed marker listing its commits, then one transaction
    // (state + history) per contact point, STORAGE_CONCURRENCY in flight; the raw side does the same.
    await call(host, '/api/consents', {
      records: Array.from({ length: BATCH_SIZE }, (_, i) => ({
        channel: 'email',
        contactPoint: `shape.${i}@example.com`,
        purposeId: 'bench-promo',
        value: 'optedIn',
      })),
    });
    const shape = await storedShape(azurite.connectionString, 'bench', 'shape.0@example.com');
    const rawTable = client(azurite.connectionString, 'benchRaw');
    const rawFeed = client(azurite.connectionString, 'benchRawFeed');
    await rawTable.createTable();
    await rawFeed.createTable();
    const perRequest = READS_IN_FLIGHT / BATCHES_IN_FLIGHT;
    const rawMarker = async () => {
      if (!shape.marker) return;
      const time = Date.now();
      const position = positionOf(time, randomUUID());
      await rawFeed.createEntity({
        ...shape.marker,
        partitionKey: markerPartition(position, time, 4),
        rowKey: position,
      });
    };
    const rawTransaction = async (pk: string, etag: string | undefined) => {
      const state = { ...shape.state, partitionKey: pk };
      const actions: TransactionAction[] = [
        etag === undefined ? ['create', state] : ['update', state, 'Replace', { etag }],
        ['create', { ...shape.history, partitionKey: pk, rowKey: `h${randomUUID()}` }],
      ];
      await rawTable.submitTransaction(actions);
    };
    const rawNew = (withMarker: boolean) =>
      rate(BATCHES_IN_FLIGHT, MEASURE_MS, async () => {
        if (withMarker) await rawMarker();
        const keys = Array.from({ length: BATCH_SIZE }, () => `raw-${randomUUID()}`);
        await inFlight(keys, perRequest, (pk) => rawTransaction(pk, undefined));
        return BATCH_SIZE;
      });
    // Raw updates read each state entity, then commit against its ETag.
    const rawUpdateKeys = Array.from({ length: BASE_CONTACT_POINTS }, (_, i) => `rawupd-${i}`);
    await inFlight(rawUpdateKeys, READS_IN_FLIGHT, (pk) => rawTransaction(pk, undefined));
    let rawUpdate = 0;
    const rawReadUpdate = () =>
      rate(BATCHES_IN_FLIGHT, MEASURE_MS, async () => {
        const keys = Array.from(
          { length: BATCH_SIZE },
          () => rawUpdateKeys[rawUpdate++ % rawUpdateKeys.length]!,
        );
        const etags = new Map<string, string>();
        await inFlight(keys, perRequest, async (pk) => {
          etags.set(pk, (await rawTable.getEntity(pk, STATE_ROW_KEY)).etag);
        });
        await rawMarker();
        await inFlight(keys, perRequest, (pk) => rawTransaction(pk, etags.get(pk)));
        return BATCH_SIZE;
      });

    let fresh = 0;
    const consentsNew = (on: RunningHost) =>
      rate(BATCHES_IN_FLIGHT, MEASURE_MS, async () => {
        const records = Array.from({ length: BATCH_SIZE }, () => ({
          channel: 'email',
          contactPoint: `new.${fresh++}@example.com`,
          purposeId: 'bench-promo',
          value: 'optedIn',
        }));
        const { results } = await call(on, '/api/consents', { records });
        if (results.some((r: any) => r.outcome !== 'created')) throw new Error('not created');
        return results.length;
      });
    let flip = 0;
    let updateCursor = 0;
    const consentsUpdate = () =>
      rate(BATCHES_IN_FLIGHT, MEASURE_MS, async () => {
        const value = flip++ % 2 ? 'optedIn' : 'optedOut';
        const records = Array.from({ length: BATCH_SIZE }, () => ({
          channel: 'email',
          contactPoint: address(updateCursor++ % BASE_CONTACT_POINTS),
          purposeId: 'bench-track',
          value,
          reasonDescription: `round ${flip}`,
        }));
        const { results } = await call(host, '/api/consents', { records });
        if (results.some((r: any) => r.outcome !== 'updated')) throw new Error('not updated');
        return results.length;
      });

    /** Interleaved rounds after a warm-up; each figure is its median. Returns every sample. */
    const rounds = async (named: Array<[string, () => Promise<number>, string]>, count = ROUNDS) => {
      for (const [, run] of named) await run(); // warm-up
      const samples = named.map(() => [] as number[]);
      for (let round = 0; round < count; round++) {
        for (const [i, [, run]] of named.entries()) samples[i]!.push(await run());
      }
      named.forEach(([name, , unit], i) => report(name, median(samples[i]!), unit));
      return samples;
    };

    await rounds([
      ['raw marker + transactions, new (/s)', () => rawNew(true), '/s'],
      ['consents, new contact points (records/s)', () => consentsNew(host), 'records/s'],
      ['raw reads + marker + transactions (/s)', rawReadUpdate, '/s'],
      ['consents, updates (records/s)', consentsUpdate, 'records/s'],
      ['consents, new, feed off (records/s)', () => consentsNew(plain), 'records/s'],
      ['raw transactions, new, no marker (/s)', () => rawNew(false), '/s'],
    ]);

    // ---- Checks: one point read per distinct contact point.
    const random = (n: number) => Math.floor(Math.random() * n);
    const rawReads = (population: number) =>
      rate(READS_IN_FLIGHT, MEASURE_MS, async () => {
        await consentTable.getEntity(contactPointKey('email', address(random(population))), STATE_ROW_KEY);
        return 1;
      });
    const checks = (population: number, distinctPerBatch: number, on = host) =>
      rate(BATCHES_IN_FLIGHT, MEASURE_MS, async () => {
        const points = Array.from({ length: distinctPerBatch }, () => address(random(population)));
        const messages = Array.from({ length: BATCH_SIZE }, (_, i) => ({
          messageId: `m${i}`,
          channel: 'email',
          contactPoint: points[i % distinctPerBatch],
          profileId: 'bench',
          purposeId: 'bench-promo',
          topicId: 'bench-news',
        }));
        const { decisions } = await call(on, '/api/check', { messages });
        if (decisions.length !== BATCH_SIZE) throw new Error('missing decisions');
        return decisions.length;
      });
    await rounds([
      ['raw getEntity (reads/s)', () => rawReads(BASE_CONTACT_POINTS), 'reads/s'],
      ['check, distinct (decisions/s)', () => checks(BASE_CONTACT_POINTS, BATCH_SIZE), 'decisions/s'],
      ['check, 10 shared (decisions/s)', () => checks(BASE_CONTACT_POINTS, 10), 'decisions/s'],
    ]);
    // Keys and entra side by side, round after round: the ratio is the median of each round's ratio,
    // so the machine's drift over the run does not land on one side.
    const [underKeys, underEntra] = await rounds(
      [
        ['check under keys (decisions/s)', () => checks(BASE_CONTACT_POINTS, BATCH_SIZE), 'decisions/s'],
        [
          'check under entra (decisions/s)',
          () => checks(BASE_CONTACT_POINTS, BATCH_SIZE, entra),
          'decisions/s',
        ],
      ],
      7,
    );
    const entraRatio = median(underEntra!.map((e, i) => e / underKeys![i]!));

    // ---- Latency of one message, sequential: the service's own cost per call.
    const one = (contactPoint: string) => ({
      messages: [
        { messageId: 'm', channel: 'email', contactPoint, profileId: 'bench', purposeId: 'bench-promo' },
      ],
    });
    const latencyRounds: Record<string, number[]> = { check: [], raw: [], bare: [], entra: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const n = LATENCY_CALLS / ROUNDS;
      // Keys and entra call by call, so drift on the machine lands on both alike.
      for (let i = 0; i < n; i++) {
        const [underKeysMs] = await latencies(
          1,
          async () => void (await call(host, '/api/check', one(address(random(BASE_CONTACT_POINTS))))),
        );
        const [underEntraMs] = await latencies(
          1,
          async () => void (await call(entra, '/api/check', one(address(random(BASE_CONTACT_POINTS))))),
        );
        latencyRounds.check!.push(underKeysMs!);
        latencyRounds.entra!.push(underEntraMs!);
      }
      latencyRounds.raw!.push(
        ...(await latencies(n, async () => {
          await consentTable.getEntity(
            contactPointKey('email', address(random(BASE_CONTACT_POINTS))),
            STATE_ROW_KEY,
          );
        })),
      );
      // The same function, the same parsing and evaluation, no storage: an address that cannot be read.
      latencyRounds.bare!.push(
        ...(await latencies(n, async () => void (await call(host, '/api/check', one('not-an-address'))))),
      );
    }
    report('check, one message, p50 (ms)', percentile(latencyRounds.check!, 50), 'ms', 2);
    report('check, one message, p99 (ms)', percentile(latencyRounds.check!, 99), 'ms', 2);
    report('check under entra, one message, p50 (ms)', percentile(latencyRounds.entra!, 50), 'ms', 2);
    report('raw getEntity, p50 (ms)', percentile(latencyRounds.raw!, 50), 'ms', 2);
    report('raw getEntity, p99 (ms)', percentile(latencyRounds.raw!, 99), 'ms', 2);
    report('HTTP round trip, no storage, p50 (ms)', percentile(latencyRounds.bare!, 50), 'ms', 2);

    // ---- Replays: a batch of 100 as-of checks on contact points with 10 history entries each,
    // decided as of halfway through that history, against the same batch decided live.
    const replayed = Array.from({ length: BATCH_SIZE }, (_, i) => `history.${i}@example.com`);
    let halfway = '';
    for (let round = 0; round < 10; round++) {
      await call(host, '/api/consents', {
        records: replayed.map((contactPoint) => ({
          channel: 'email',
          contactPoint,
          purposeId: 'bench-promo',
          value: round % 2 ? 'optedOut' : 'optedIn',
          reasonDescription: `round ${round}`,
        })),
      });
      if (round === 4) halfway = new Date().toISOString();
    }
    const batchOf = (asOf?: string) => ({
      ...(asOf ? { asOf } : {}),
      messages: replayed.map((contactPoint, i) => ({
        messageId: `m${i}`,
        channel: 'email',
        contactPoint,
        profileId: 'bench',
        purposeId: 'bench-promo',
      })),
    });
    // Halfway the last write was an opt-in; now it is an opt-out.
    const decided = async (asOf?: string) =>
      ((await call(host, '/api/check', batchOf(asOf))).decisions as Array<{ decision: string }>).map(
        (d) => d.decision,
      );
    if ((await decided(halfway)).some((d) => d !== 'sent')) throw new Error('a replay is wrong');
    if ((await decided()).some((d) => d !== 'blocked')) throw new Error('a live decision is wrong');
    const batchLatency: Record<string, number[]> = { asOf: [], live: [] };
    for (let round = 0; round < ROUNDS * 10; round++) {
      batchLatency.asOf!.push(...(await latencies(1, async () => void (await decided(halfway)))));
      batchLatency.live!.push(...(await latencies(1, async () => void (await decided()))));
    }
    report('as-of batch of 100, 10 entries each, p50 (ms)', percentile(batchLatency.asOf!, 50), 'ms', 1);
    report('live batch of the same 100, p50 (ms)', percentile(batchLatency.live!, 50), 'ms', 1);
    await rounds([
      [
        'check as of a past time (decisions/s)',
        () =>
          rate(BATCHES_IN_FLIGHT, MEASURE_MS, async () => {
            await decided(halfway);
            return BATCH_SIZE;
          }),
        'decisions/s',
      ],
    ]);

    // ---- Erasure and export, and checks where half the contact points are erased.
    const pick = (addresses: readonly string[]) => addresses[random(addresses.length)]!;
    const erasure = await benchErasure({
      connection: azurite.connectionString,
      prefix: 'bench',
      call: (path, body) => call(host, path, body),
      rawReads: (addresses) =>
        rate(READS_IN_FLIGHT, MEASURE_MS, async () => {
          await consentTable.getEntity(contactPointKey('email', pick(addresses)), STATE_ROW_KEY);
          return 1;
        }),
      checks: (addresses) =>
        rate(BATCHES_IN_FLIGHT, MEASURE_MS, async () => {
          const messages = Array.from({ length: BATCH_SIZE }, (_, i) => ({
            messageId: `m${i}`,
            channel: 'email',
            contactPoint: pick(addresses),
            profileId: 'bench',
            purposeId: 'bench-promo',
          }));
          const { decisions } = await call(host, '/api/check', { messages });
          return decisions.length;
        }),
      rounds,
      report,
    });

    // ---- Telemetry: the same checks on a host exporting to an OTLP sink, round after round.
    const telemetryRatio = await benchTelemetry({
      settings: { ...hostSettings, CONSENT_TABLE_PREFIX: 'bench' },
      checks: (on) => checks(BASE_CONTACT_POINTS, BATCH_SIZE, on),
      plain: host,
      rounds,
      hosts,
      stops,
    });
    // ---- Push; AI agents (MCP against /api/check); the whole send decision (holds, caps).
    const webhooks = await benchWebhooks({ settings: hostSettings, hosts, report });
    const mcp = await benchMcp({
      url: host.url,
      address,
      population: BASE_CONTACT_POINTS,
      calls: LATENCY_CALLS,
    });
    const sendDecision = await benchSendDecision({
      connection: azurite.connectionString,
      prefix: 'bench',
      call: (path, body, method) => call(host, path, body, method),
      batchSize: BATCH_SIZE,
      batchesInFlight: BATCHES_IN_FLIGHT,
      readsInFlight: READS_IN_FLIGHT,
      measureMs: MEASURE_MS,
      rounds,
    });

    const large = BASE_CONTACT_POINTS * SCALE;
    await load(BASE_CONTACT_POINTS, large);
    await rounds([
      [`raw getEntity at ${SCALE}x (reads/s)`, () => rawReads(large), 'reads/s'],
      [`check at ${SCALE}x (decisions/s)`, () => checks(large, BATCH_SIZE), 'decisions/s'],
    ]);

    const ratio = (a: string, b: string) => (figures[a]! / figures[b]!).toFixed(2);
    console.log('');
    console.log(
      `contact points: ${BASE_CONTACT_POINTS} and ${large}; ${READS_IN_FLIGHT} storage calls in flight`,
    );
    console.log(`check/raw-read ${ratio('check, distinct (decisions/s)', 'raw getEntity (reads/s)')}`);
    console.log(
      `check-10x/check-1x ${ratio(`check at ${SCALE}x (decisions/s)`, 'check, distinct (decisions/s)')}`,
    );
    console.log(
      `check-10x/raw-read-10x ${ratio(`check at ${SCALE}x (decisions/s)`, `raw getEntity at ${SCALE}x (reads/s)`)}`,
    );
    console.log(
      `shared/distinct ${ratio('check, 10 shared (decisions/s)', 'check, distinct (decisions/s)')}`,
    );
    console.log(
      `consents-new/raw-transaction ${ratio('consents, new contact points (records/s)', 'raw marker + transactions, new (/s)')}`,
    );
    console.log(
      `consents-update/raw-read+transaction ${ratio('consents, updates (records/s)', 'raw reads + marker + transactions (/s)')}`,
    );
    console.log(
      `consents-new-feed-off/raw-transaction-no-marker ${ratio('consents, new, feed off (records/s)', 'raw transactions, new, no marker (/s)')}`,
    );
    console.log(
      `feed-cost (consents/s with feed / without) ${ratio('consents, new contact points (records/s)', 'consents, new, feed off (records/s)')}`,
    );
    console.log(
      `as-of/live (batch of 100, p50 time) ${ratio('as-of batch of 100, 10 entries each, p50 (ms)', 'live batch of the same 100, p50 (ms)')}`,
    );
    console.log(
      `as-of/check (decisions/s) ${ratio('check as of a past time (decisions/s)', 'check, distinct (decisions/s)')}`,
    );
    const overhead =
      figures['check, one message, p50 (ms)']! -
      figures['raw getEntity, p50 (ms)']! -
      figures['HTTP round trip, no storage, p50 (ms)']!;
    console.log(`check-p50-overhead-ms ${overhead.toFixed(2)}`);
    console.log(`check-entra/check-keys ${entraRatio.toFixed(2)}`);
    const entraOverhead =
      figures['check under entra, one message, p50 (ms)']! - figures['check, one message, p50 (ms)']!;
    console.log(`check-p50-overhead-entra-ms ${entraOverhead.toFixed(2)}`);
    console.log(
      `check-half-erased/raw-read ${ratio('check, half erased (decisions/s)', 'raw getEntity, half erased (reads/s)')}`,
    );
    const figuresOf = { ...erasure, ...sendDecision, ...mcp, ...webhooks };
    for (const [name, value] of Object.entries(figuresOf)) console.log(`${name} ${value}`);
    console.log(`check-telemetry/check ${telemetryRatio.toFixed(2)}`);
    printColdStart(await measureColdStart(azurite));
  } finally {
    await Promise.allSettled([...hosts.map((h) => h.stop()), ...stops.map((stop) => stop())]);
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
