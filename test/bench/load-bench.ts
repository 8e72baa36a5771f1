/*
 * `npm run bench:load`: the CSV loader (`npm run load`) on a generated contacts export of
 * BENCH_LOAD_ROWS rows (100,000 by default), first run and re-run, against the raw storage work the
 * load needs, measured in the same run: for each new address one transaction holding the state
 * entity and its history entity (the loader's chunks share one feed marker per 200 addresses, under
 * 1% of the work, left out of the raw side).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient, type TableEntity } from '@azure/data-tables';
import { contactPointKey, historyRowKey, STATE_ROW_KEY } from '../../shared/storage/keys';
import { useSubjectKey } from '../../shared/storage/subject-key';
import { projectRoot, startAzurite, startHost, TEST_SUBJECT_KEY } from '../support/processes';

const ROWS = Number(process.env.BENCH_LOAD_ROWS ?? 100_000);
const RAW_SECONDS = 6;
const RAW_IN_FLIGHT = 128;

/** A contacts export: about 2% of addresses appear twice, some members block email or tracking. */
function contactsCsv(rows: number): string {
  const lines = ['fullname,emailaddress1,donotemail,donotbulkemail,donottrack'];
  for (let i = 0; i < rows; i++) {
    const n = i % 50 === 49 ? i - 7 : i;
    lines.push(
      `Contact ${i},Person.${n}@Example.com,${i % 13 === 0},${i % 17 === 0 ? 'Do Not Allow' : 'Allow'},${i % 5 === 0 ? 1 : 0}`,
    );
  }
  return lines.join('\n') + '\n';
}

function runLoader(file: string, url: string): Promise<{ seconds: number; summary: any }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        join(projectRoot, 'dist/shared/cli/load-csv.js'),
        file,
        '--profile',
        'default',
        '--purpose',
        'commercial',
        '--from',
        'contacts',
        '--url',
        url,
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`the loader exited with ${code}`));
      resolve({ seconds: (performance.now() - started) / 1000, summary: JSON.parse(out) });
    });
  });
}

async function main(): Promise<void> {
  // Raw reads below derive keys as the host does: with its subject key.
  useSubjectKey(TEST_SUBJECT_KEY);
  const folder = mkdtempSync(join(tmpdir(), 'consent-load-bench-'));
  const file = join(folder, 'contacts.csv');
  writeFileSync(file, contactsCsv(ROWS));
  const azurite = await startAzurite({ port: 0 });
  const host = await startHost({
    AzureWebJobsStorage: azurite.connectionString,
    CONSENT_TABLE_PREFIX: 'loadbench',
    STORAGE_MAX_RETRIES: '2',
  });
  try {
    const first = await runLoader(file, host.url);
    const again = await runLoader(file, host.url);

    // The consent center's list over every contact point: 1000 records a page until no token comes.
    const listStarted = performance.now();
    let listed = 0;
    let listPages = 0;
    let token: string | undefined;
    do {
      const query = new URLSearchParams({
        channel: 'email',
        limit: '1000',
        ...(token ? { continuationToken: token } : {}),
      });
      const res = await fetch(`${host.url}/api/consents/list?${query}`);
      if (!res.ok) throw new Error(`list: ${res.status} ${await res.text()}`);
      const page = (await res.json()) as { records: unknown[]; continuationToken?: string };
      listed += page.records.length;
      listPages++;
      token = page.continuationToken;
    } while (token);
    const listSeconds = (performance.now() - listStarted) / 1000;

    // The raw work of one new address, in the shape the service stored it.
    const consents = TableClient.fromConnectionString(azurite.connectionString, 'loadbenchConsents', {
      allowInsecureConnection: true,
    });
    const pk = contactPointKey('email', 'person.0@example.com');
    const strip = ({ etag: _e, timestamp: _t, ...rest }: Record<string, unknown>) =>
      rest as TableEntity<Record<string, unknown>>;
    const state = strip(await consents.getEntity(pk, STATE_ROW_KEY));
    const history = strip(await consents.getEntity(pk, historyRowKey(1)));
    const raw = TableClient.fromConnectionString(azurite.connectionString, 'loadbenchRaw', {
      allowInsecureConnection: true,
    });
    await raw.createTable();
    const deadline = performance.now() + RAW_SECONDS * 1000;
    let done = 0;
    await Promise.all(
      Array.from({ length: RAW_IN_FLIGHT }, async () => {
        while (performance.now() < deadline) {
          const key = `raw-${randomUUID()}`;
          await raw.submitTransaction([
            ['create', { ...state, partitionKey: key }],
            ['create', { ...history, partitionKey: key }],
          ]);
          done++;
        }
      }),
    );
    const rawRate = done / RAW_SECONDS;

    // A re-run finds every address and moves its capture mark: a read, then a conditional update.
    const updateDeadline = performance.now() + RAW_SECONDS * 1000;
    let updated = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: RAW_IN_FLIGHT }, async () => {
        while (performance.now() < updateDeadline) {
          const key = contactPointKey('email', `person.${next++ % Math.floor(ROWS * 0.9)}@example.com`);
          const current = await consents.getEntity(key, STATE_ROW_KEY).catch(() => undefined);
          if (!current) continue; // an address the export repeats under another row
          await consents
            .updateEntity(strip(current), 'Replace', { etag: current.etag })
            .catch(() => undefined);
          updated++;
        }
      }),
    );
    const rawUpdateRate = updated / RAW_SECONDS;
    const addresses = first.summary.addresses ?? first.summary.sent;
    const line = (name: string, value: string) => console.log(`${name.padEnd(44)} ${value}`);
    line('rows', String(ROWS));
    line('distinct addresses', String(addresses));
    line('first run (s)', first.seconds.toFixed(1));
    line('first run (rows/s)', (ROWS / first.seconds).toFixed(0));
    line('first run (addresses/s)', (addresses / first.seconds).toFixed(0));
    line('re-run, all unchanged (s)', again.seconds.toFixed(1));
    line('re-run (rows/s)', (ROWS / again.seconds).toFixed(0));
    line('list every record, 1000 a page (s)', listSeconds.toFixed(1));
    line('  records, pages', `${listed}, ${listPages}`);
    line('raw transaction per address (/s)', rawRate.toFixed(0));
    line('raw read + update per address (/s)', rawUpdateRate.toFixed(0));
    console.log('');
    console.log(`load-first-run/raw-transaction ${(addresses / first.seconds / rawRate).toFixed(2)}`);
    console.log(`load-re-run/raw-read+update ${(addresses / again.seconds / rawUpdateRate).toFixed(2)}`);
    console.log(`first run: ${JSON.stringify(first.summary)}`);
    console.log(`re-run:    ${JSON.stringify(again.summary)}`);
  } finally {
    await host.stop();
    await azurite.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
