/*
 * Moving a store written before the keyed layout (issue 23): its partitions named by an unkeyed
 * SHA-256 of the address, as the service wrote them until then. `npm run rekey` copies it into new
 * tables under the subject key; a host on them serves the same records and history, and can erase.
 * An erased contact point (no address) cannot be re-keyed, and the tool says so.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { boundedClient, type BoundedClient } from '../support/bounded-client';
import { qs } from '../support/client';
import { projectRoot, startHost, type RunningHost } from '../support/processes';
import { rawTableText, traces } from '../support/raw-tables';
import type { HistoryEntry } from '../../shared/storage/consent-store';
import { historyEntityOf, stateEntityOf } from '../../shared/storage/consent-entities';
import { historyRowKey } from '../../shared/storage/keys';
import type { StoredConsent } from '../../shared/domain/model';

const CLI = join(projectRoot, 'dist/shared/cli/rekey-store.js');
const KEY = 'rekey-key';
const NEW_SUBJECT_KEY = 'rekeyed-store-subject-key-0123456789abcdef';
const tag = `${process.pid}${Date.now().toString(36)}`;
const OLD = `rkold${tag}`;
const NEW = `rknew${tag}`;
const ERASED = `rkerased${tag}`;
const PROFILE = `rk-${tag}`;
const OFFERS = `rk-offers-${tag}`;
const connection = () => inject('storageConnection');
const hosts: RunningHost[] = [];

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', AzureWebJobsStorage: connection(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

/** The partition the service named a contact point by before the keyed layout. */
const unkeyedPartition = (channel: string, address: string) =>
  'e' +
  createHash('sha256').update(`${channel}\n${address}`, 'utf8').digest().subarray(0, 10).toString('hex');

function stored(value: 'optedIn' | 'optedOut', version: number, at: string): StoredConsent {
  return {
    purposeId: OFFERS,
    value,
    source: 'internal',
    reason: 'noReasons',
    status: 'active',
    capturedAt: at,
    createdAt: '2026-01-01T00:00:00.000Z',
    modifiedAt: at,
    modifiedBy: 'crm',
    version: String(version),
  };
}

/** A contact point as the service stored it before: unkeyed partition, history rows without the address. */
async function writeOldLayout(table: TableClient, address: string, commits: number): Promise<void> {
  const partitionKey = unkeyedPartition('email', address);
  let before: StoredConsent | null = null;
  for (let sequence = 1; sequence <= commits; sequence++) {
    const at = new Date(Date.UTC(2026, 0, 1, 0, sequence)).toISOString();
    const after = stored(sequence % 2 === 1 ? 'optedIn' : 'optedOut', sequence, at);
    const entry: HistoryEntry = {
      sequence,
      at,
      actor: 'crm',
      purposeId: OFFERS,
      source: 'internal',
      before,
      after,
    };
    const {
      channel: _c,
      address: _a,
      ...row
    } = historyEntityOf({ channel: 'email', address }, partitionKey, [entry], `c${sequence}`);
    await table.createEntity({ ...row, partitionKey, rowKey: historyRowKey(sequence) });
    before = after;
  }
  const state = stateEntityOf(
    { channel: 'email', address },
    {
      records: new Map([[`p:${OFFERS}`, before!]]),
      seen: new Map(),
      pending: new Map(),
      events: new Map(),
      suppression: undefined,
    },
    commits,
  );
  await table.createEntity({ ...state, partitionKey, head: commits });
}

beforeAll(async () => {
  // The old store's profiles, written through a host of its own.
  const old = await startHost({
    AzureWebJobsStorage: connection(),
    LOCAL_FUNCTION_KEY: KEY,
    CONSENT_TABLE_PREFIX: OLD,
  });
  hosts.push(old);
  const profile = await boundedClient(old.url, KEY).put(`/api/profiles/${PROFILE}`, {
    name: 'Rekey',
    purposes: [
      { id: OFFERS, name: 'Offers', type: 'commercial', enforcement: 'nonRestrictive' },
      { id: `rk-track-${tag}`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });
  expect(profile.status, profile.text).toBe(201);
});

afterAll(async () => {
  await Promise.allSettled(hosts.map((h) => h.stop()));
});

describe('23.9 moving a store to the keyed layout', () => {
  let api: BoundedClient;
  const addresses = Array.from({ length: 3 }, (_, i) => `rekey.${i}.${tag}@example.com`);

  beforeAll(async () => {
    const table = TableClient.fromConnectionString(connection(), `${OLD}Consents`, {
      allowInsecureConnection: true,
    });
    await table.createTable().catch(() => undefined);
    for (const [i, address] of addresses.entries()) await writeOldLayout(table, address, 2 + i * 61);
    const run = await runCli(['--from', OLD, '--to', NEW], { SUBJECT_KEY: NEW_SUBJECT_KEY });
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('Re-keyed 3 contact points (189 history rows)');
    const host = await startHost({
      AzureWebJobsStorage: connection(),
      LOCAL_FUNCTION_KEY: KEY,
      CONSENT_TABLE_PREFIX: NEW,
      SUBJECT_KEY: NEW_SUBJECT_KEY,
      PROFILE_CACHE_SECONDS: '0',
    });
    hosts.push(host);
    api = boundedClient(host.url, KEY);
  });

  it('serves the same records, history and decisions; no unkeyed partition is left in the new tables', async () => {
    for (const [i, address] of addresses.entries()) {
      const where = qs({ channel: 'email', contactPoint: address });
      const read = await api.get(`/api/consents${where}`);
      expect(read.status, read.text).toBe(200);
      expect(read.body.records.map((r: any) => r.value)).toEqual([i === 1 ? 'optedIn' : 'optedOut']);
      const history = await api.get(
        `/api/consents/history${qs({ channel: 'email', contactPoint: address, limit: 1000 })}`,
      );
      expect(history.body.entries).toHaveLength(2 + i * 61);
      const check = await api.post('/api/check', {
        messages: [
          { messageId: 'm', channel: 'email', contactPoint: address, profileId: PROFILE, purposeId: OFFERS },
        ],
      });
      expect(check.body.decisions[0].decision).toBe(i === 1 ? 'sent' : 'blocked');
    }
    const tables = await rawTableText(connection(), NEW);
    for (const address of addresses)
      expect(tables.some((t) => t.includes(unkeyedPartition('email', address)))).toBe(false);
  });

  it('writes and erases on the new tables; running the tool again sets nothing back and brings no one back', async () => {
    const [first] = addresses;
    const write = await api.post('/api/consents', {
      channel: 'email',
      contactPoint: first,
      purposeId: OFFERS,
      value: 'optedIn',
    });
    expect(write.body.results[0]).toMatchObject({ outcome: 'updated', record: { version: '3' } });
    const erased = await api.post('/api/subjects/erase', {
      contactPoints: [{ channel: 'email', contactPoint: first }],
    });
    expect(erased.body.results).toEqual([{ index: 0, outcome: 'erased' }]);
    const tables = await rawTableText(connection(), NEW);
    for (const needle of traces('email', first!))
      expect(tables.filter((t) => t.includes(needle))).toEqual([]);
    // Run again (by mistake, after the switch): the erased address is not brought back, the rest not set back.
    const again = await runCli(['--from', OLD, '--to', NEW], { SUBJECT_KEY: NEW_SUBJECT_KEY });
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('(0 history rows)');
    expect(
      (await api.get(`/api/consents${qs({ channel: 'email', contactPoint: first })}`)).body,
    ).toMatchObject({
      records: [],
      erased: true,
    });
    // The source is as it was: switching back is changing the prefix back.
    const source = await rawTableText(connection(), OLD);
    expect(source.some((t) => t.includes(first!))).toBe(true);
  });

  it('refuses to move an erased contact point (it holds no address), and bad arguments', async () => {
    const host = await startHost({
      AzureWebJobsStorage: connection(),
      LOCAL_FUNCTION_KEY: KEY,
      CONSENT_TABLE_PREFIX: ERASED,
    });
    hosts.push(host);
    const client = boundedClient(host.url, KEY);
    const address = `rekey.erased.${tag}@example.com`;
    await client.post('/api/subjects/erase', {
      contactPoints: [{ channel: 'email', contactPoint: address }],
    });
    const refused = await runCli(['--from', ERASED, '--to', `${ERASED}x`], {});
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('cannot be re-keyed');
    expect((await runCli(['--from', OLD], {})).code).toBe(2);
    expect((await runCli(['--from', OLD, '--to', OLD], {})).code).toBe(2);
  });
});
