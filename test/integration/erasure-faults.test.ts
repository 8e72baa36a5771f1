/*
 * Erasure is all or nothing per address (issue 23): storage failing half-way leaves the address
 * intact or erased with its tombstone, never half-erased to a reader; a retried erase, or the sweep
 * when nobody retries, deletes what is left. A TCP proxy between the host and a dedicated Azurite
 * refuses or resets connections at chosen storage requests.
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
import { rawTableText, traces } from '../support/raw-tables';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { subjectOf } from '../../shared/storage/subject-key';

const KEY = 'erasure-faults-key';
const PREFIX = 'erf';
const BATCH_REQUEST = /^POST \/devstoreaccount1\/\$batch /;
const BATCH_RESPONSE = /^HTTP\/1\.1 202 /;
/** More history rows than the erasing transaction deletes itself: the rest go after it. */
const COMMITS = 150;

let azurite: RunningAzurite;
let proxy: TcpProxy;
let host: RunningHost;
let api: BoundedClient;
const others: RunningHost[] = [];
let run = 0;
const email = (tag: string) => `${tag}.${process.pid}.${++run}@erasure-faults.example.com`;

beforeAll(async () => {
  azurite = await startAzurite({ port: 0 });
  proxy = await startTcpProxy({ host: azurite.host, port: azurite.port });
  host = await startHost({
    AzureWebJobsStorage: azuriteConnectionString(proxy.host, proxy.port),
    LOCAL_FUNCTION_KEY: KEY,
    CONSENT_TABLE_PREFIX: PREFIX,
    PROFILE_CACHE_SECONDS: '300',
    STORAGE_TIMEOUT_MS: '5000',
    STORAGE_MAX_RETRIES: '1',
  });
  api = boundedClient(host.url, KEY);
});

afterAll(async () => {
  await Promise.allSettled([host?.stop(), ...others.map((h) => h.stop())]);
  await proxy?.stop();
  await azurite?.stop();
});

/** A contact point with COMMITS history rows, each a commit of its own. */
async function withLongHistory(tag: string): Promise<string> {
  const cp = email(tag);
  for (let i = 0; i < COMMITS; i++) {
    const res = await api.post('/api/consents', {
      channel: 'email',
      contactPoint: cp,
      purposeId: 'commercial',
      value: i % 2 === 0 ? 'optedIn' : 'optedOut',
      reasonDescription: `note ${i}`,
    });
    expect(res.status, res.text).toBe(200);
  }
  return cp;
}

const erase = (cp: string): Promise<Reply> =>
  api.post('/api/subjects/erase', { contactPoints: [{ channel: 'email', contactPoint: cp }] });

async function read(cp: string) {
  const consents = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: cp })}`);
  const history = await api.get(
    `/api/consents/history${qs({ channel: 'email', contactPoint: cp, limit: 1000 })}`,
  );
  expect(consents.status, consents.text).toBe(200);
  expect(history.status, history.text).toBe(200);
  return { ...consents.body, history: history.body.entries as any[] };
}

async function storedTraces(cp: string): Promise<number> {
  const tables = await rawTableText(azurite.connectionString, PREFIX);
  return tables.filter((t) => traces('email', cp).some((needle) => t.includes(needle))).length;
}

async function erasuresAudited(cp: string): Promise<number> {
  const audit = await api.get(`/api/subjects/audit${qs({ limit: 1000 })}`);
  expect(audit.status, audit.text).toBe(200);
  return audit.body.entries.filter((e: any) => e.type === 'erasure' && e.subject === subjectOf('email', cp))
    .length;
}

/** Runs `erase` with storage failing at the nth transaction (`refuse`) or losing its answer (`reset`). */
async function eraseWithFault(cp: string, nth: number, mode: 'refuse' | 'reset'): Promise<Reply> {
  const fired = proxy.armFault({
    direction: mode === 'reset' ? 'response' : 'request',
    pattern: mode === 'reset' ? BATCH_RESPONSE : BATCH_REQUEST,
    nth,
    mode,
  });
  const answer = await erase(cp);
  await fired;
  await proxy.setMode('forward');
  return answer;
}

describe('23.6 erasure with storage failing half-way', () => {
  it('the erasing transaction never reaches storage: 503, the address intact; a retry erases it', async () => {
    const cp = await withLongHistory('refused');
    const answer = await eraseWithFault(cp, 1, 'refuse');
    expect(answer.status).toBe(503);
    const intact = await read(cp);
    expect(intact.erased).toBeUndefined();
    expect(intact.records).toHaveLength(1);
    expect(intact.history).toHaveLength(COMMITS);

    expect((await erase(cp)).body.results).toEqual([{ index: 0, outcome: 'erased' }]);
    expect(await read(cp)).toMatchObject({ records: [], erased: true, history: [] });
    expect(await storedTraces(cp)).toBe(0);
    expect(await erasuresAudited(cp)).toBe(1);
  });

  it('the deletion after the tombstone fails: 503, already erased to every reader; a retry deletes the rest', async () => {
    const cp = await withLongHistory('half');
    const answer = await eraseWithFault(cp, 2, 'refuse');
    expect(answer.status).toBe(503);
    expect(await read(cp)).toMatchObject({ records: [], erased: true, history: [] });
    // The rows the first transaction could not take are still stored, until the retry.
    expect(await storedTraces(cp)).toBeGreaterThan(0);

    expect((await erase(cp)).body.results).toEqual([{ index: 0, outcome: 'erased' }]);
    expect(await storedTraces(cp)).toBe(0);
    expect(await erasuresAudited(cp)).toBe(1);
  });

  it('the answer of the erasing transaction is lost: the erasure is recognized as landed, and finished', async () => {
    const cp = await withLongHistory('lost');
    const answer = await eraseWithFault(cp, 1, 'reset');
    expect([200, 503]).toContain(answer.status);
    expect(await read(cp)).toMatchObject({ records: [], erased: true, history: [] });
    if (answer.status === 503) expect((await erase(cp)).status).toBe(200);
    expect(await storedTraces(cp)).toBe(0);
    expect(await erasuresAudited(cp)).toBe(1);
  });

  it('nobody retries: the sweep finishes the erasure and audits it', async () => {
    const cp = await withLongHistory('swept');
    expect((await eraseWithFault(cp, 2, 'refuse')).status).toBe(503);
    expect(await storedTraces(cp)).toBeGreaterThan(0);
    expect(await erasuresAudited(cp)).toBe(0);
    // Another instance, eleven minutes later, its sweep every second.
    const later = await startHost({
      AzureWebJobsStorage: azurite.connectionString,
      LOCAL_FUNCTION_KEY: KEY,
      CONSENT_TABLE_PREFIX: PREFIX,
      LOCAL_CLOCK_OFFSET_MS: String(11 * 60_000),
      SUBJECTS_SWEEP_SCHEDULE: '* * * * * *',
    });
    others.push(later);
    const deadline = Date.now() + 30_000;
    while ((await storedTraces(cp)) > 0) {
      expect(Date.now(), 'the sweep finished the erasure in time').toBeLessThan(deadline);
    }
    while ((await erasuresAudited(cp)) === 0) {
      expect(Date.now(), 'the sweep audited the erasure in time').toBeLessThan(deadline);
    }
    expect(await erasuresAudited(cp)).toBe(1);
    expect(await read(cp)).toMatchObject({ records: [], erased: true, history: [] });
  });
});
