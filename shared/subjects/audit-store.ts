import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { Channel } from '../domain/model';
import { ValidationError } from '../errors';
import { ensureTable, once, storageCall } from '../storage/storage-call';
import { submitTransaction } from '../storage/table-transaction';

/** One audited data subject request for one contact point: never its address, only its keyed digest. */
export interface AuditEntry {
  id: string;
  type: 'erasure' | 'export';
  /** The keyed digest of channel and address (the subject the change feed and tombstone name). */
  subject: string;
  channel: Channel;
  at: string;
  actor: string;
  actorId?: string;
  onBehalfOf?: string;
  reason?: string;
}

/** An erasure under way: written before its commit, removed once its history is gone. */
export interface PendingErasure {
  entry: AuditEntry;
  /** The contact point's partition, and the sequence of the erasure's own history row. */
  contactKey: string;
  sequence: number;
}

export interface AuditPage {
  entries: AuditEntry[];
  continuationToken?: string;
}

export interface AuditStore {
  ready(): Promise<void>;
  /** Adds entries (up to 100, at once): upserts, so writing one again changes nothing. */
  record(entries: readonly AuditEntry[]): Promise<void>;
  /** Entries from `since` (a time) on, oldest first. */
  list(query: { since?: string; continuationToken?: string; limit: number }): Promise<AuditPage>;
  begin(pending: PendingErasure): Promise<void>;
  /** Removes a pending erasure (done, or never landed). */
  end(id: string): Promise<void>;
  /** Pending erasures begun before `before` (epoch ms). */
  pending(before: number): Promise<PendingErasure[]>;
}

const AUDIT = 'audit';
const PENDING = 'pending';
const MAX_TOKEN = 200;

/** An entry's RowKey: its time, then its id, so a listing is in time order. */
const rowKeyOf = (entry: AuditEntry) => `${entry.at}|${entry.id}`;

/**
 * The audit of data subject requests in `<prefix>Audit`: PartitionKey `audit`, RowKey `<time>|<id>`,
 * and erasures under way in PartitionKey `pending` (RowKey their id) until their history is deleted.
 */
export class TableAuditStore implements AuditStore {
  readonly ready = once(() => ensureTable(this.table));

  constructor(private readonly table: TableClient) {}

  async record(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const actions = entries.map((entry): TransactionAction => [
      'upsert',
      { partitionKey: AUDIT, rowKey: rowKeyOf(entry), entry: JSON.stringify(entry) },
      'Replace',
    ]);
    await storageCall(async () => {
      await submitTransaction(this.table, actions);
    });
  }

  async list(query: { since?: string; continuationToken?: string; limit: number }): Promise<AuditPage> {
    const after = query.continuationToken === undefined ? undefined : decodeToken(query.continuationToken);
    let filter = odata`PartitionKey eq ${AUDIT}`;
    if (after !== undefined) filter += ' and ' + odata`RowKey gt ${after}`;
    if (query.since !== undefined)
      filter += ' and ' + odata`RowKey ge ${new Date(query.since).toISOString()}`;
    return storageCall(async () => {
      const entries: AuditEntry[] = [];
      let last: string | undefined;
      const pages = this.table
        .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
        .byPage({ maxPageSize: Math.min(query.limit + 1, 1000) });
      for await (const page of pages) {
        for (const entity of page) {
          if (entries.length === query.limit) {
            return { entries, continuationToken: encodeToken(last!) };
          }
          entries.push(JSON.parse(entity.entry as string) as AuditEntry);
          last = entity.rowKey!;
        }
      }
      return { entries };
    });
  }

  async begin(pending: PendingErasure): Promise<void> {
    await storageCall(async () => {
      await this.table.upsertEntity(
        { partitionKey: PENDING, rowKey: pending.entry.id, pending: JSON.stringify(pending) },
        'Replace',
      );
    });
  }

  async end(id: string): Promise<void> {
    await storageCall(
      async () => {
        await this.table.deleteEntity(PENDING, id);
      },
      { 404: () => undefined },
    );
  }

  async pending(before: number): Promise<PendingErasure[]> {
    return storageCall(async () => {
      const found: PendingErasure[] = [];
      const rows = this.table.listEntities<Record<string, unknown>>({
        queryOptions: { filter: odata`PartitionKey eq ${PENDING}` },
      });
      for await (const row of rows) {
        const pending = JSON.parse(row.pending as string) as PendingErasure;
        if (Date.parse(pending.entry.at) < before) found.push(pending);
      }
      return found;
    });
  }
}

function encodeToken(rowKey: string): string {
  return Buffer.from(rowKey, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  const rowKey = token.length <= MAX_TOKEN ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (!/^\d{4}-\d\d-\d\dT[\d:.]+Z\|[0-9a-f-]{36}$/.test(rowKey)) {
    throw new ValidationError('The continuation token is not valid.', [
      { path: 'continuationToken', message: 'not a token this service issued' },
    ]);
  }
  return rowKey;
}
