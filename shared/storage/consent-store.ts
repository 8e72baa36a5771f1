import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { Channel, Source, StoredConsent } from '../domain/model';
import { CapacityError, ConflictError, ValidationError } from '../errors';
import { HISTORY_ROW_END, HISTORY_ROW_PREFIX, STATE_ROW_KEY, contactPointKey, historyRowKey } from './keys';
import type { Limiter } from '../concurrency';
import { asciiJson, ensureTable, fromChunks, storageCall, toChunks } from './tables';

export interface ContactPoint {
  channel: Channel;
  address: string;
}

/** Everything stored for one contact point: one entity, so a check needs one point read. */
export interface ContactPointState {
  records: Map<string, StoredConsent>;
  sequence: number;
  /** `null` when nothing is stored yet. */
  etag: string | null;
}

export interface HistoryEntry {
  sequence: number;
  at: string;
  actor: string;
  purposeId: string;
  topicId?: string;
  source: Source;
  before: StoredConsent | null;
  after: StoredConsent;
}

export interface HistoryQuery {
  purposeId?: string;
  topicId?: string;
  limit: number;
  continuationToken?: string;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  continuationToken?: string;
}

/** Another writer changed the contact point since it was read: re-read and apply again. */
export class WriteConflict extends Error {
  constructor() {
    super('write conflict');
    this.name = 'WriteConflict';
  }
}

/** A transaction holds at most 100 operations: the state entity and up to 99 history entries. */
export const MAX_ENTRIES_PER_COMMIT = 99;

export interface ConsentStore {
  ready(): Promise<void>;
  read(contactPoint: ContactPoint): Promise<ContactPointState>;
  /** Writes the new state and its history entries atomically, if nobody wrote since `previous` was read. */
  commit(
    contactPoint: ContactPoint,
    previous: ContactPointState,
    records: ReadonlyMap<string, StoredConsent>,
    entries: readonly HistoryEntry[],
  ): Promise<void>;
  history(contactPoint: ContactPoint, query: HistoryQuery): Promise<HistoryPage>;
  /** Throws a CapacityError if one contact point holding these records would not fit the store. */
  checkCapacity(records: ReadonlyMap<string, StoredConsent>): void;
}

// A state entity may hold up to 1 MiB; we stop well short so Azure, Cosmos DB and Azurite all agree.
const MAX_STATE_CHARS = 400_000;
const TOKEN_PATTERN = /^h\d{16}$/;

function emptyState(): ContactPointState {
  return { records: new Map(), sequence: 0, etag: null };
}

export function encodeContinuationToken(rowKey: string): string {
  return Buffer.from(rowKey, 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): string {
  const rowKey = Buffer.from(token, 'base64url').toString('utf8');
  if (!TOKEN_PATTERN.test(rowKey)) {
    throw new ValidationError('The continuation token is not valid.', [
      { path: 'continuationToken', message: 'not a token this service issued' },
    ]);
  }
  return rowKey;
}

export class TableConsentStore implements ConsentStore {
  private readiness: Promise<void> | undefined;

  constructor(
    private readonly table: TableClient,
    private readonly limiter: Limiter,
  ) {}

  ready(): Promise<void> {
    // Retried on the next call after a failure, so the service recovers when storage comes back.
    this.readiness ??= ensureTable(this.table).catch((error: unknown) => {
      this.readiness = undefined;
      throw error;
    });
    return this.readiness;
  }

  async read(contactPoint: ContactPoint): Promise<ContactPointState> {
    const partitionKey = contactPointKey(contactPoint.channel, contactPoint.address);
    const entity = await this.limiter.run(() =>
      storageCall<TableEntityResult<Record<string, unknown>> | undefined>(
        () => this.table.getEntity<Record<string, unknown>>(partitionKey, STATE_ROW_KEY),
        { 404: () => undefined },
      ),
    );
    if (!entity) return emptyState();
    if (entity.address !== contactPoint.address || entity.channel !== contactPoint.channel) {
      throw new ConflictError('Two contact points map to one storage key; this address cannot be stored.');
    }
    const records = JSON.parse(fromChunks(entity, 'r')) as Record<string, StoredConsent>;
    return {
      records: new Map(Object.entries(records)),
      sequence: Number(entity.sequence),
      etag: entity.etag,
    };
  }

  async commit(
    contactPoint: ContactPoint,
    previous: ContactPointState,
    records: ReadonlyMap<string, StoredConsent>,
    entries: readonly HistoryEntry[],
  ): Promise<void> {
    if (entries.length === 0 || entries.length > MAX_ENTRIES_PER_COMMIT) {
      throw new RangeError(`commit takes 1..${MAX_ENTRIES_PER_COMMIT} history entries`);
    }
    const partitionKey = contactPointKey(contactPoint.channel, contactPoint.address);
    const json = this.serializeRecords(records);
    const state = {
      partitionKey,
      rowKey: STATE_ROW_KEY,
      channel: contactPoint.channel,
      address: contactPoint.address,
      sequence: entries[entries.length - 1]!.sequence,
      ...toChunks(json, 'r'),
    };
    const actions: TransactionAction[] = [
      previous.etag === null ? ['create', state] : ['update', state, 'Replace', { etag: previous.etag }],
      ...entries.map((entry): TransactionAction => ['create', this.historyEntity(partitionKey, entry)]),
    ];
    await this.limiter.run(() =>
      storageCall(
        async () => {
          await this.table.submitTransaction(actions);
        },
        {
          409: () => {
            throw new WriteConflict();
          },
          412: () => {
            throw new WriteConflict();
          },
        },
      ),
    );
  }

  checkCapacity(records: ReadonlyMap<string, StoredConsent>): void {
    this.serializeRecords(records);
  }

  private serializeRecords(records: ReadonlyMap<string, StoredConsent>): string {
    const json = asciiJson(Object.fromEntries(records));
    if (json.length > MAX_STATE_CHARS) {
      throw new CapacityError('This contact point would hold more consent records than the store allows.');
    }
    return json;
  }

  async history(contactPoint: ContactPoint, query: HistoryQuery): Promise<HistoryPage> {
    const partitionKey = contactPointKey(contactPoint.channel, contactPoint.address);
    const after = query.continuationToken
      ? decodeContinuationToken(query.continuationToken)
      : HISTORY_ROW_PREFIX;
    let filter = odata`PartitionKey eq ${partitionKey} and RowKey gt ${after} and RowKey lt ${HISTORY_ROW_END}`;
    if (query.purposeId !== undefined) filter += ' and ' + odata`purposeId eq ${query.purposeId}`;
    if (query.topicId !== undefined) filter += ' and ' + odata`topicId eq ${query.topicId}`;

    return storageCall(async () => {
      const rows: Array<{ rowKey: string; entry: HistoryEntry }> = [];
      const pages = this.table
        .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
        .byPage({ maxPageSize: Math.min(query.limit + 1, 1000) });
      for await (const page of pages) {
        for (const entity of page) rows.push({ rowKey: entity.rowKey!, entry: this.toHistoryEntry(entity) });
        if (rows.length > query.limit) break;
      }
      const entries = rows.slice(0, query.limit);
      const last = entries[entries.length - 1];
      return rows.length > query.limit && last
        ? { entries: entries.map((r) => r.entry), continuationToken: encodeContinuationToken(last.rowKey) }
        : { entries: entries.map((r) => r.entry) };
    });
  }

  private historyEntity(partitionKey: string, entry: HistoryEntry) {
    return {
      partitionKey,
      rowKey: historyRowKey(entry.sequence),
      sequence: entry.sequence,
      at: entry.at,
      actor: entry.actor,
      purposeId: entry.purposeId,
      ...(entry.topicId !== undefined ? { topicId: entry.topicId } : {}),
      source: entry.source,
      before: entry.before === null ? '' : asciiJson(entry.before),
      after: asciiJson(entry.after),
    };
  }

  private toHistoryEntry(entity: Record<string, unknown>): HistoryEntry {
    const before = entity.before as string;
    return {
      sequence: Number(entity.sequence),
      at: entity.at as string,
      actor: entity.actor as string,
      purposeId: entity.purposeId as string,
      ...(typeof entity.topicId === 'string' ? { topicId: entity.topicId } : {}),
      source: entity.source as Source,
      before: before === '' ? null : (JSON.parse(before) as StoredConsent),
      after: JSON.parse(entity.after as string) as StoredConsent,
    };
  }
}
