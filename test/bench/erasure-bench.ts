/*
 * Erasure and export against the raw storage work they need (issue 23): a contact point with 1,000
 * history entries erased, against listing and deleting its rows raw; exported, against reading its
 * state and rows raw; and checks of a population half of which is erased, against raw reads.
 */
import { TableClient, type TransactionAction } from '@azure/data-tables';
import type { StoredConsent } from '../../shared/domain/model';
import { historyEntityOf, stateEntityOf } from '../../shared/storage/consent-entities';
import type { HistoryEntry } from '../../shared/storage/consent-store';
import {
  contactPointKey,
  HISTORY_ROW_END,
  HISTORY_ROW_PREFIX,
  STATE_ROW_KEY,
} from '../../shared/storage/keys';
import { median } from './measure';

const HISTORY = 1000;
const ROUNDS = 5;
const HALF_POPULATION = 1000;

export interface ErasureBenchContext {
  connection: string;
  prefix: string;
  call: (path: string, body: unknown) => Promise<any>;
  /** Checks of `BATCH_SIZE` distinct contact points drawn from `addresses`, decisions per second. */
  checks: (addresses: readonly string[]) => Promise<number>;
  /** Raw state reads of contact points drawn from `addresses`, reads per second. */
  rawReads: (addresses: readonly string[]) => Promise<number>;
  rounds: (named: Array<[string, () => Promise<number>, string]>) => Promise<unknown>;
  report: (name: string, value: number, unit: string, digits?: number) => void;
}

async function timed(op: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await op();
  return performance.now() - started;
}

function record(sequence: number): StoredConsent {
  const at = new Date(Date.UTC(2026, 0, 1) + sequence * 1000).toISOString();
  return {
    purposeId: 'bench-promo',
    value: sequence % 2 ? 'optedIn' : 'optedOut',
    source: 'internal',
    reason: 'noReasons',
    reasonDescription: `commit ${sequence}`,
    status: 'active',
    capturedAt: at,
    createdAt: '2026-01-01T00:00:00.000Z',
    modifiedAt: at,
    modifiedBy: 'bench',
    version: String(sequence),
  };
}

/** A contact point with HISTORY commits, stored as the service stores them (one history row each). */
async function seed(table: TableClient, address: string): Promise<void> {
  const contactPoint = { channel: 'email' as const, address };
  const partitionKey = contactPointKey('email', address);
  const rows = Array.from({ length: HISTORY }, (_, i) => {
    const sequence = i + 1;
    const entry: HistoryEntry = {
      sequence,
      at: record(sequence).modifiedAt,
      actor: 'bench',
      purposeId: 'bench-promo',
      source: 'internal',
      before: sequence > 1 ? record(sequence - 1) : null,
      after: record(sequence),
    };
    return {
      ...historyEntityOf(contactPoint, partitionKey, [entry], `commit-${sequence}`),
      ...(sequence > 1 ? { prev: sequence - 1 } : {}),
    };
  });
  await inBatches(
    table,
    rows.map((row): TransactionAction => ['create', row]),
  );
  const state = stateEntityOf(
    contactPoint,
    {
      records: new Map([['p:bench-promo', record(HISTORY)]]),
      seen: new Map(),
      pending: new Map(),
      events: new Map(),
      suppression: undefined,
    },
    HISTORY,
  );
  await table.createEntity({ ...state, head: HISTORY });
}

/** Transactions of 100, 16 in flight (as the service keeps its storage calls in flight). */
async function inBatches(table: TableClient, actions: TransactionAction[]): Promise<void> {
  const batches: TransactionAction[][] = [];
  for (let i = 0; i < actions.length; i += 100) batches.push(actions.slice(i, i + 100));
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < batches.length) await table.submitTransaction(batches[next++]!);
    }),
  );
}

/** The storage work of an erasure, raw: list the rows, delete them, replace the state. */
async function rawErase(table: TableClient, address: string): Promise<void> {
  const partitionKey = contactPointKey('email', address);
  const state = await table.getEntity(partitionKey, STATE_ROW_KEY);
  const keys: string[] = [];
  const filter = `PartitionKey eq '${partitionKey}' and RowKey ge '${HISTORY_ROW_PREFIX}' and RowKey lt '${HISTORY_ROW_END}'`;
  for await (const row of table.listEntities({ queryOptions: { filter, select: ['RowKey'] } }))
    keys.push(row.rowKey!);
  await inBatches(
    table,
    keys.map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]),
  );
  await table.updateEntity({ partitionKey, rowKey: STATE_ROW_KEY, r0: '{}' }, 'Replace', {
    etag: state.etag,
  });
}

/** The storage work of an export, raw: the state and every history row. */
async function rawExport(table: TableClient, address: string): Promise<void> {
  const partitionKey = contactPointKey('email', address);
  await table.getEntity(partitionKey, STATE_ROW_KEY);
  const filter = `PartitionKey eq '${partitionKey}' and RowKey ge '${HISTORY_ROW_PREFIX}' and RowKey lt '${HISTORY_ROW_END}'`;
  let rows = 0;
  for await (const _row of table.listEntities({ queryOptions: { filter } })) rows++;
  if (rows !== HISTORY) throw new Error(`expected ${HISTORY} rows, read ${rows}`);
}

export async function benchErasure(ctx: ErasureBenchContext): Promise<Record<string, string>> {
  const table = TableClient.fromConnectionString(ctx.connection, `${ctx.prefix}Consents`, {
    allowInsecureConnection: true,
  });
  await table.createTable().catch(() => undefined);
  const times: Record<'erase' | 'rawErase' | 'export' | 'rawExport', number[]> = {
    erase: [],
    rawErase: [],
    export: [],
    rawExport: [],
  };
  for (let round = 0; round < ROUNDS + 1; round++) {
    const [a, b] = [`erase.${round}.a@example.com`, `erase.${round}.b@example.com`];
    await Promise.all([seed(table, a), seed(table, b)]);
    const exported = await timed(async () => {
      const res = await ctx.call('/api/subjects/export', {
        contactPoints: [{ channel: 'email', contactPoint: a }],
      });
      if (res.contactPoints[0].history.length !== HISTORY) throw new Error('export is incomplete');
    });
    const rawExported = await timed(() => rawExport(table, b));
    const erased = await timed(async () => {
      const res = await ctx.call('/api/subjects/erase', {
        contactPoints: [{ channel: 'email', contactPoint: a }],
      });
      if (res.results[0].outcome !== 'erased') throw new Error('not erased');
    });
    const rawErased = await timed(() => rawErase(table, b));
    if (round === 0) continue; // warm-up
    times.export.push(exported);
    times.rawExport.push(rawExported);
    times.erase.push(erased);
    times.rawErase.push(rawErased);
  }
  ctx.report(`erase, ${HISTORY} history entries, p50 (ms)`, median(times.erase), 'ms', 1);
  ctx.report(`raw list + deletes of ${HISTORY} rows, p50 (ms)`, median(times.rawErase), 'ms', 1);
  ctx.report(`export, ${HISTORY} history entries, p50 (ms)`, median(times.export), 'ms', 1);
  ctx.report(`raw state + ${HISTORY} rows read, p50 (ms)`, median(times.rawExport), 'ms', 1);

  // Checks where half the contact points are erased (a tombstone is one point read too).
  const half = Array.from({ length: HALF_POPULATION }, (_, i) => `half.${i}@example.com`);
  for (let i = 0; i < half.length; i += 500) {
    await ctx.call('/api/consents', {
      records: half.slice(i, i + 500).flatMap((contactPoint) => [
        { channel: 'email', contactPoint, purposeId: 'bench-promo', value: 'optedIn' },
        { channel: 'email', contactPoint, purposeId: 'bench-track', value: 'optedIn' },
      ]),
    });
  }
  const erased = half.filter((_, i) => i % 2 === 0);
  for (let i = 0; i < erased.length; i += 50) {
    await ctx.call('/api/subjects/erase', {
      contactPoints: erased.slice(i, i + 50).map((contactPoint) => ({ channel: 'email', contactPoint })),
    });
  }
  await ctx.rounds([
    ['raw getEntity, half erased (reads/s)', () => ctx.rawReads(half), 'reads/s'],
    ['check, half erased (decisions/s)', () => ctx.checks(half), 'decisions/s'],
  ]);
  return {
    'erase/raw-deletes': (median(times.rawErase) / median(times.erase)).toFixed(2),
    'export/raw-reads': (median(times.rawExport) / median(times.export)).toFixed(2),
  };
}
