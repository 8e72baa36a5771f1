/*
 * `npm run bench`: the service against the raw storage, in one run, at the same concurrency
 * (../shared/PERF.md). Starts its own in-memory Azurite and local host; prints one line per figure
 * and the ratios. Absolute numbers are noisy on shared machines; the ratios are what we compare.
 */
import { TableClient } from '@azure/data-tables';
import { contactPointKey, STATE_ROW_KEY } from '../../shared/storage/keys';
import { startAzurite, startHost } from '../support/processes';

const BASE_CONTACT_POINTS = Number(process.env.BENCH_CONTACT_POINTS ?? 2000);
const SCALE = 10;
const READS_IN_FLIGHT = 32;
const BATCHES_IN_FLIGHT = 2; // x STORAGE_CONCURRENCY 16 in the host = 32 reads in flight, as for raw reads
const BATCH_SIZE = 100;
const MEASURE_MS = Number(process.env.BENCH_SECONDS ?? 4) * 1000;
const UPSERTS_IN_FLIGHT = 100;
const ROUNDS = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

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

/** Runs `op` with `inFlight` callers until `ms` passes; returns units done per second. */
async function rate(inFlight: number, ms: number, op: () => Promise<number>): Promise<number> {
  const deadline = performance.now() + ms;
  const started = performance.now();
  let units = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        const done = await op(); // not `units += await op()`: that reads `units` before the await
        units += done;
      }
    }),
  );
  return units / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const azurite = await startAzurite({ port: 0 });
  const host = await startHost({
    AzureWebJobsStorage: azurite.connectionString,
    CONSENT_TABLE_PREFIX: 'bench',
    STORAGE_CONCURRENCY: String(READS_IN_FLIGHT / BATCHES_IN_FLIGHT),
    STORAGE_MAX_RETRIES: '2',
  });
  const post = async (path: string, body: unknown, method = 'POST') => {
    const res = await fetch(`${host.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as any;
  };
  const figures: Record<string, number> = {};
  const report = (name: string, value: number, unit: string) => {
    figures[name] = value;
    console.log(`${name.padEnd(34)} ${value.toFixed(0).padStart(8)} ${unit}`);
  };

  try {
    await post('/api/profiles/bench', PROFILE, 'PUT');
    const consentTable = TableClient.fromConnectionString(azurite.connectionString, 'benchConsents', {
      allowInsecureConnection: true,
    });
    const rawTable = TableClient.fromConnectionString(azurite.connectionString, 'benchRaw', {
      allowInsecureConnection: true,
    });
    await rawTable.createTable();

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
            await post('/api/consents', { records });
          }
        }),
      );
      return ((to - from) * 3) / ((performance.now() - started) / 1000);
    };
    report('consents upsert (records/s)', await load(0, BASE_CONTACT_POINTS), 'records/s');

    let u = 0;
    report(
      'raw upsertEntity (/s)',
      await rate(UPSERTS_IN_FLIGHT, MEASURE_MS / 2, async () => {
        const n = u++;
        await rawTable.upsertEntity({ partitionKey: `p${n}`, rowKey: 'r', value: 'optedIn', n });
        return 1;
      }),
      '/s',
    );

    const random = (n: number) => Math.floor(Math.random() * n);
    const rawReads = (population: number) =>
      rate(READS_IN_FLIGHT, MEASURE_MS, async () => {
        await consentTable.getEntity(contactPointKey('email', address(random(population))), STATE_ROW_KEY);
        return 1;
      });
    const checks = (population: number, distinctPerBatch: number) =>
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
        const { decisions } = await post('/api/check', { messages });
        if (decisions.length !== BATCH_SIZE) throw new Error('missing decisions');
        return decisions.length;
      });

    // Figures compared with each other are measured in alternating rounds and the median is kept,
    // so a burst of other work on the machine does not land on one side of a ratio only.
    const rounds = async (named: Array<[string, () => Promise<number>]>) => {
      for (const [, run] of named) await run(); // warm-up
      const samples = named.map(() => [] as number[]);
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, [, run]] of named.entries()) samples[i]!.push(await run());
      }
      named.forEach(([name], i) =>
        report(name, median(samples[i]!), name.includes('reads') ? 'reads/s' : 'decisions/s'),
      );
    };
    await rounds([
      ['raw getEntity (reads/s)', () => rawReads(BASE_CONTACT_POINTS)],
      ['check, distinct (decisions/s)', () => checks(BASE_CONTACT_POINTS, BATCH_SIZE)],
      ['check, 10 shared (decisions/s)', () => checks(BASE_CONTACT_POINTS, 10)],
    ]);

    const large = BASE_CONTACT_POINTS * SCALE;
    await load(BASE_CONTACT_POINTS, large);
    await rounds([
      [`raw getEntity at ${SCALE}x (reads/s)`, () => rawReads(large)],
      [`check at ${SCALE}x (decisions/s)`, () => checks(large, BATCH_SIZE)],
    ]);

    const ratio = (a: string, b: string) => (figures[a]! / figures[b]!).toFixed(2);
    console.log('');
    console.log(`contact points: ${BASE_CONTACT_POINTS} and ${large}; ${READS_IN_FLIGHT} reads in flight`);
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
    console.log(`consents/raw-upsert ${ratio('consents upsert (records/s)', 'raw upsertEntity (/s)')}`);
  } finally {
    await host.stop();
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
