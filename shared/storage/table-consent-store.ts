import { randomUUID } from 'node:crypto';
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { ContactPoint } from '../domain/contact-point';
import { consentKey, type Channel, type StoredConsent } from '../domain/model';
import { ConflictError } from '../errors';
import type { Limiter } from '../utils/limiter';
import {
  decodeContinuationToken,
  emptyState,
  encodeContinuationToken,
  entriesOf,
  historyEntityOf,
  recordsOf,
  stateOf,
  type Entity,
} from './consent-entities';
import {
  NOT_PUBLISHED,
  type CommitAnnouncer,
  type CommitLookup,
  type ConsentStore,
  type ContactPointState,
  type HistoryEntry,
  type HistoryPage,
  type HistoryQuery,
  type NextState,
  type PreparedCommit,
  type Publication,
  type ScannedContactPoint,
} from './consent-store';
import { stateEntityOf } from './consent-entities';
import {
  HISTORY_ROW_END,
  HISTORY_ROW_PREFIX,
  STATE_ROW_KEY,
  channelKeyRange,
  contactPointKey,
  historyRowKey,
  sequenceOfHistoryRowKey,
} from './keys';
import { ensureTable, once, storageCall } from './storage-call';
import { submitTransaction } from './table-transaction';
import { WriteConflict } from './write-conflict';

/** Commits a replay undoes by point reads before it queries the rest of the history. */
const AS_OF_POINT_READS = 16;
/** History entities per page when a replay queries the history. */
const AS_OF_PAGE = 100;

type Result = TableEntityResult<Record<string, unknown>>;

/**
 * The consent store on Azure Table Storage (and Azurite, and Cosmos DB for Table): one partition per
 * contact point (see consent-entities.ts), every commit one entity group transaction, conditional on
 * the state's ETag. Announcing commits is the change feed's job, behind `CommitAnnouncer`.
 */
export class TableConsentStore implements ConsentStore {
  readonly ready = once(() => ensureTable(this.table));

  constructor(
    private readonly table: TableClient,
    private readonly limiter: Limiter,
    private readonly announcer?: CommitAnnouncer,
  ) {}

  async read(contactPoint: ContactPoint): Promise<ContactPointState> {
    const entity = await this.pointRead(
      contactPointKey(contactPoint.channel, contactPoint.address),
      STATE_ROW_KEY,
    );
    if (!entity) return emptyState();
    if (entity.address !== contactPoint.address || entity.channel !== contactPoint.channel) {
      throw new ConflictError('Two contact points map to one storage key; this address cannot be stored.');
    }
    return stateOf(entity);
  }

  async readByKey(
    contactKey: string,
  ): Promise<{ contactPoint: ContactPoint; state: ContactPointState } | undefined> {
    const entity = await this.pointRead(contactKey, STATE_ROW_KEY);
    if (!entity) return undefined;
    return {
      contactPoint: { channel: entity.channel as Channel, address: entity.address as string },
      state: stateOf(entity),
    };
  }

  private pointRead(partitionKey: string, rowKey: string): Promise<Result | undefined> {
    return this.limiter.run(() =>
      storageCall<Result | undefined>(
        () => this.table.getEntity<Record<string, unknown>>(partitionKey, rowKey),
        { 404: () => undefined },
      ),
    );
  }

  prepare(contactPoint: ContactPoint, next: NextState, entries: readonly HistoryEntry[]): PreparedCommit {
    const id = randomUUID();
    const state = stateEntityOf(contactPoint, next, entries[entries.length - 1]?.sequence);
    const history = entries.length > 0 ? historyEntityOf(state.partitionKey, entries, id) : undefined;
    return { contactPoint, id, entries, state, history };
  }

  publish(
    commits: ReadonlyArray<{ prepared: PreparedCommit; previous: ContactPointState }>,
  ): Promise<Publication> {
    const announced = commits.filter((c) => c.prepared.history);
    if (!this.announcer || announced.length === 0) return Promise.resolve(NOT_PUBLISHED);
    return this.announcer.publish(announced);
  }

  async commit(
    prepared: PreparedCommit,
    previous: ContactPointState,
    publication = NOT_PUBLISHED,
  ): Promise<void> {
    const announced =
      publication.announcementOf(prepared.id) ??
      (prepared.history && this.announcer ? await this.announcer.announce(prepared, previous) : undefined);
    const state: Entity = {
      ...prepared.state,
      sequence: prepared.state.sequence ?? previous.sequence,
      feedAt: announced?.time ?? previous.feedAt,
    };
    const head = prepared.history ? (prepared.history.first as number) : previous.head;
    if (head !== undefined) state.head = head;
    const history = prepared.history && {
      ...prepared.history,
      ...(previous.head !== undefined ? { prev: previous.head } : {}),
    };
    const actions: TransactionAction[] = [
      previous.etag === null ? ['create', state] : ['update', state, 'Replace', { etag: previous.etag }],
      ...(history ? [['create', history] as TransactionAction] : []),
    ];
    const conflict = () => {
      throw new WriteConflict();
    };
    try {
      await this.limiter.run(() =>
        storageCall(
          async () => {
            if (actions.length === 1 && previous.etag !== null) {
              await this.table.updateEntity(state, 'Replace', { etag: previous.etag });
            } else {
              await submitTransaction(this.table, actions);
            }
          },
          { 404: conflict, 409: conflict, 412: conflict },
        ),
      );
    } catch (error) {
      if (!(error instanceof WriteConflict) || !prepared.history) throw error;
      // A retried request may have landed the first time: the history row tells, since it is only
      // ever created. If it is not ours, ours can never land (its precondition no longer holds).
      const landed = await this.readCommit(
        prepared.history.partitionKey,
        prepared.history.rowKey,
        prepared.id,
      );
      if (Array.isArray(landed)) return;
      if (announced) await this.announcer!.failed(announced).catch(() => undefined);
      throw error;
    }
  }

  async scan(options: {
    from?: string;
    inclusive?: boolean;
    channel?: Channel;
    max: number;
  }): Promise<ScannedContactPoint[]> {
    // A channel's contact points share a PartitionKey prefix: their channel code.
    const [low, high] = options.channel ? channelKeyRange(options.channel) : ['', '~~'];
    let filter = odata`RowKey eq ${STATE_ROW_KEY} and PartitionKey ge ${low} and PartitionKey lt ${high}`;
    if (options.from !== undefined) {
      filter +=
        ' and ' +
        (options.inclusive ? odata`PartitionKey ge ${options.from}` : odata`PartitionKey gt ${options.from}`);
    }
    return storageCall(async () => {
      const found: ScannedContactPoint[] = [];
      const pages = this.table
        .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
        .byPage({ maxPageSize: Math.min(options.max, 1000) });
      for await (const page of pages) {
        for (const entity of page) {
          if (found.length >= options.max) break;
          found.push({
            key: entity.partitionKey!,
            contactPoint: { channel: entity.channel as Channel, address: entity.address as string },
            records: recordsOf(entity),
          });
        }
        if (found.length >= options.max) break;
      }
      return found;
    });
  }

  async readCommit(contactKey: string, historyRowKey: string, commit: string): Promise<CommitLookup> {
    const entity = await this.pointRead(contactKey, historyRowKey);
    if (!entity) return 'pending';
    if (entity.commit !== commit) return 'failed';
    return entriesOf(entity).reverse();
  }

  async history(contactPoint: ContactPoint, query: HistoryQuery): Promise<HistoryPage> {
    const partitionKey = contactPointKey(contactPoint.channel, contactPoint.address);
    const after = query.continuationToken
      ? decodeContinuationToken(query.continuationToken)
      : HISTORY_ROW_PREFIX;
    // Entries older than the token: commits are keyed by their first sequence, newest first, so the
    // commit holding the entry just before the token sorts after the token's own row key.
    const before = query.continuationToken ? sequenceOfHistoryRowKey(after) : Number.POSITIVE_INFINITY;
    const filter = odata`PartitionKey eq ${partitionKey} and RowKey gt ${after} and RowKey lt ${HISTORY_ROW_END}`;
    const wanted = (entry: HistoryEntry) =>
      entry.sequence < before &&
      (query.purposeId === undefined || entry.purposeId === query.purposeId) &&
      (query.topicId === undefined || entry.topicId === query.topicId);

    return storageCall(async () => {
      const found: HistoryEntry[] = [];
      const pages = this.table
        .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
        .byPage({ maxPageSize: Math.min(query.limit + 1, 1000) });
      for await (const page of pages) {
        for (const entity of page) found.push(...entriesOf(entity).filter(wanted));
        if (found.length > query.limit) break;
      }
      const entries = found.slice(0, query.limit);
      const last = entries[entries.length - 1];
      return found.length > query.limit && last
        ? { entries, continuationToken: encodeContinuationToken(historyRowKey(last.sequence)) }
        : { entries };
    });
  }

  async recordsAsOf(contactPoint: ContactPoint, at: number): Promise<Map<string, StoredConsent>> {
    // The state first: every commit it reflects is then also in the history read after it.
    const state = await this.read(contactPoint);
    const { records } = state;
    const partitionKey = contactPointKey(contactPoint.channel, contactPoint.address);
    // Commits are undone newest first, in sequence order, so clocks that disagree cannot reorder
    // them; the walk stops at the first commit made by `at`.
    const undo = (entity: Record<string, unknown>): boolean => {
      if (Date.parse(entity.at as string) <= at) return false;
      for (const entry of entriesOf(entity)) {
        const key = consentKey(entry.purposeId, entry.topicId);
        if (entry.before) records.set(key, entry.before);
        else records.delete(key);
      }
      return true;
    };
    // Recent commits by point reads along their back links (cheap on every store)...
    let next = state.head;
    let older = state.sequence > 0 ? HISTORY_ROW_PREFIX : undefined;
    for (let step = 0; next !== undefined && step < AS_OF_POINT_READS; step++) {
      const rowKey = historyRowKey(next);
      const entity = await this.pointRead(partitionKey, rowKey);
      // A commit under way or lost between the two reads: the query below settles it.
      if (!entity) break;
      if (!undo(entity)) return records;
      older = rowKey;
      next = typeof entity.prev === 'number' ? entity.prev : undefined;
      if (next === undefined && Number(entity.first) <= 1) return records;
    }
    if (older === undefined) return records;
    // ...then, for a longer way back (or history written before the links), one query.
    const filter = odata`PartitionKey eq ${partitionKey} and RowKey gt ${older} and RowKey lt ${HISTORY_ROW_END}`;
    return storageCall(async () => {
      const pages = this.table
        .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
        .byPage({ maxPageSize: AS_OF_PAGE });
      for await (const page of pages) {
        for (const entity of page) if (!undo(entity)) return records;
      }
      return records;
    });
  }
}
