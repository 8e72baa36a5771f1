import { randomUUID } from 'node:crypto';
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { ContactPoint } from '../domain/contact-point';
import type { Erasure } from '../domain/erasure';
import { consentKey, type Channel, type StoredConsent } from '../domain/model';
import { ConflictError, StorageContentionError } from '../errors';
import type { Limiter } from '../utils/limiter';
import {
  decodeContinuationToken,
  emptyState,
  encodeContinuationToken,
  entriesOf,
  erasureEntityOf,
  erasureOf,
  erasureProps,
  historyEntityOf,
  isErasureRow,
  recordsOf,
  sendLogProps,
  stateEntityOf,
  stateOf,
  tombstoneEntityOf,
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
  type PreparedErasure,
  type RecordsAsOf,
  type Publication,
  type ScannedContactPoint,
  type SendLog,
} from './consent-store';
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
import { subjectOf } from './subject-key';
import { submitTransaction } from './table-transaction';
import { WriteConflict } from './write-conflict';

/** Commits a replay undoes by point reads before it queries the rest of the history. */
const AS_OF_POINT_READS = 16;
/** History entities per page when a replay queries the history. */
const AS_OF_PAGE = 100;
/** Operations in one entity group transaction (the storage's limit). */
const TRANSACTION_OPS = 100;

type Result = TableEntityResult<Record<string, unknown>>;

/**
 * The consent store on Azure Table Storage (and Azurite, and Cosmos DB for Table): one partition per
 * contact point (see consent-entities.ts), every commit one entity group transaction, conditional on
 * the state's ETag. Announcing commits is the change feed's job, behind `CommitAnnouncer`.
 */
export class TableConsentStore implements ConsentStore {
  /** The table exists and the subject key every partition key is derived with is loaded. */
  readonly ready = once(async () => {
    await ensureTable(this.table);
    await this.keys?.();
  });

  constructor(
    private readonly table: TableClient,
    private readonly limiter: Limiter,
    private readonly announcer?: CommitAnnouncer,
    /** Loads the subject key (see subject-key.ts). */
    private readonly keys?: () => Promise<void>,
  ) {}

  async read(contactPoint: ContactPoint): Promise<ContactPointState> {
    const entity = await this.pointRead(
      contactPointKey(contactPoint.channel, contactPoint.address),
      STATE_ROW_KEY,
    );
    if (!entity) return emptyState();
    // A live contact point keeps its address, a tombstone the keyed digest of it: either is checked.
    const same =
      entity.channel === contactPoint.channel &&
      (typeof entity.address === 'string'
        ? entity.address === contactPoint.address
        : entity.subject === subjectOf(contactPoint.channel, contactPoint.address));
    if (!same) {
      throw new ConflictError('Two contact points map to one storage key; this address cannot be stored.');
    }
    return stateOf(entity);
  }

  async readByKey(
    contactKey: string,
  ): Promise<{ contactPoint: ContactPoint; state: ContactPointState } | undefined> {
    const entity = await this.pointRead(contactKey, STATE_ROW_KEY);
    // A tombstone holds no address: nothing about the person is found from a key.
    if (!entity || typeof entity.address !== 'string') return undefined;
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
    const history =
      entries.length > 0 ? historyEntityOf(contactPoint, state.partitionKey, entries, id) : undefined;
    return { contactPoint, id, entries, state, history };
  }

  async prepareErasure(
    contactPoint: ContactPoint,
    erasure: Omit<Erasure, 'sequence'>,
    previous: ContactPointState,
  ): Promise<PreparedErasure> {
    const sequence = previous.sequence + 1;
    const full: Erasure = { ...erasure, sequence };
    const partitionKey = contactPointKey(contactPoint.channel, contactPoint.address);
    // Every history row stored so far, newest first (the likeliest still in a feed reader's window).
    const rows = previous.etag === null ? [] : await this.historyRows(partitionKey, previous.sequence);
    const inTransaction = TRANSACTION_OPS - 2;
    return {
      contactPoint,
      id: erasure.id,
      entries: [],
      state: tombstoneEntityOf(contactPoint, sequence, previous.events),
      history: erasureEntityOf(contactPoint, full),
      erasure: full,
      deletes: rows.slice(0, inTransaction),
      remaining: rows.slice(inTransaction),
    };
  }

  async purge(contactKey: string, erasure: Erasure, known?: readonly string[]): Promise<boolean> {
    const current = await this.pointRead(contactKey, STATE_ROW_KEY);
    // Not (or no longer) this erasure's tombstone: it never landed, or a later erasure took over.
    if (!current || erasureOf(current)?.id !== erasure.id) return false;
    if (current.purging !== true) return true;
    // Rows left from before the erasure (known to the request that erased, else listed); a
    // concurrent purge may delete some of them too.
    for (let attempt = 0; ; attempt++) {
      const rows =
        attempt === 0 && known !== undefined
          ? known
          : await this.historyRows(contactKey, erasure.sequence - 1);
      if (rows.length === 0) break;
      const batches: string[][] = [];
      for (let i = 0; i < rows.length; i += TRANSACTION_OPS) batches.push(rows.slice(i, i + TRANSACTION_OPS));
      const raced = await Promise.all(batches.map((batch) => this.deleteRows(contactKey, batch)));
      if (!raced.includes(true)) break;
      if (attempt >= 8) throw new StorageContentionError();
    }
    // None left: say so on the state, unless a commit changed it meanwhile (it kept the flag: next time).
    await this.limiter.run(() =>
      storageCall(
        async () => {
          await this.table.updateEntity(
            { partitionKey: contactKey, rowKey: STATE_ROW_KEY, purging: false },
            'Merge',
            { etag: current.etag },
          );
        },
        { 404: () => undefined, 412: () => undefined },
      ),
    );
    return true;
  }

  /** Deletes rows in one transaction; true when one was already gone (another purge got there first). */
  private deleteRows(partitionKey: string, rowKeys: readonly string[]): Promise<boolean> {
    const actions = rowKeys.map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]);
    return this.limiter.run(() =>
      storageCall(
        async () => {
          await submitTransaction(this.table, actions);
          return false;
        },
        { 404: () => true },
      ),
    );
  }

  /** Row keys of the history rows of a partition up to `lastSequence`, newest first. */
  private historyRows(partitionKey: string, lastSequence: number): Promise<string[]> {
    const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${historyRowKey(lastSequence)} and RowKey lt ${HISTORY_ROW_END}`;
    return storageCall(async () => {
      const keys: string[] = [];
      const rows = this.table.listEntities<Record<string, unknown>>({
        queryOptions: { filter, select: ['RowKey'] },
      });
      for await (const row of rows) keys.push(row.rowKey!);
      return keys;
    });
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
    // An erasure's tombstone is carried by every later commit: it keeps blocking until erased again.
    const erasure = prepared.erasure ?? previous.erased;
    const purging = prepared.erasure
      ? (prepared as Partial<PreparedErasure>).remaining!.length > 0
      : previous.purging === true;
    const state: Entity = {
      ...prepared.state,
      sequence: prepared.state.sequence ?? previous.sequence,
      feedAt: announced?.time ?? previous.feedAt,
      ...(erasure ? erasureProps(prepared.contactPoint, erasure, purging) : {}),
      // The send log is the check's to change; an erasure drops it with everything else.
      ...(prepared.erasure ? {} : sendLogProps(previous.sends)),
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
      ...(prepared.deletes ?? []).map((rowKey): TransactionAction => [
        'delete',
        { partitionKey: state.partitionKey, rowKey },
      ]),
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
      if (typeof landed === 'object') return;
      if (announced) await this.announcer!.failed(announced).catch(() => undefined);
      throw error;
    }
  }

  async recordSends(contactPoint: ContactPoint, previous: ContactPointState, sends: SendLog): Promise<void> {
    const log = sendLogProps(sends);
    const conflict = () => {
      throw new WriteConflict();
    };
    await this.limiter.run(() =>
      storageCall(
        async () => {
          if (previous.etag === null) {
            // Nothing stored yet: the contact point's state, with only its send log.
            const empty = { records: new Map(), seen: new Map(), pending: new Map(), events: new Map() };
            await this.table.createEntity({
              ...stateEntityOf(contactPoint, { ...empty, suppression: undefined }),
              ...log,
            });
          } else {
            const partitionKey = contactPointKey(contactPoint.channel, contactPoint.address);
            await this.table.updateEntity({ partitionKey, rowKey: STATE_ROW_KEY, f: log.f ?? '' }, 'Merge', {
              etag: previous.etag,
            });
          }
        },
        { 404: conflict, 409: conflict, 412: conflict },
      ),
    );
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
          // A tombstone (an erased contact point with nothing stored since) lists nothing.
          if (typeof entity.address !== 'string') continue;
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
    if (!entity) {
      // Absent: not landed yet, or erased since (a commit from before an erasure can no longer land).
      const state = await this.pointRead(contactKey, STATE_ROW_KEY);
      const erasure = state && erasureOf(state);
      return erasure && erasure.sequence > sequenceOfHistoryRowKey(historyRowKey) ? 'failed' : 'pending';
    }
    if (entity.commit !== commit) return 'failed';
    if (isErasureRow(entity)) {
      return {
        erased: {
          erasure: erasureOf(entity)!,
          channel: entity.channel as Channel,
          subject: entity.subject as string,
        },
      };
    }
    const contactPoint =
      typeof entity.address === 'string'
        ? { channel: entity.channel as Channel, address: entity.address }
        : undefined;
    return { entries: entriesOf(entity).reverse(), contactPoint };
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
      pages: for await (const page of pages) {
        for (const entity of page) {
          // What came before an erasure is gone (or about to be): the history ends there.
          if (isErasureRow(entity)) break pages;
          found.push(...entriesOf(entity).filter(wanted));
        }
        if (found.length > query.limit) break;
      }
      const entries = found.slice(0, query.limit);
      const last = entries[entries.length - 1];
      return found.length > query.limit && last
        ? { entries, continuationToken: encodeContinuationToken(historyRowKey(last.sequence)) }
        : { entries };
    });
  }

  async recordsAsOf(contactPoint: ContactPoint, at: number): Promise<RecordsAsOf> {
    // The state first: every commit it reflects is then also in the history read after it.
    const state = await this.read(contactPoint);
    const records = await this.undoneTo(contactPoint, state, at);
    const { erased, suppression, sends } = state;
    return {
      records,
      ...(erased ? { erased } : {}),
      ...(suppression ? { suppression } : {}),
      ...(sends ? { sends } : {}),
    };
  }

  private async undoneTo(
    contactPoint: ContactPoint,
    state: ContactPointState,
    at: number,
  ): Promise<Map<string, StoredConsent>> {
    const { records } = state;
    const partitionKey = contactPointKey(contactPoint.channel, contactPoint.address);
    // Commits are undone newest first, in sequence order, so clocks that disagree cannot reorder
    // them; the walk stops at the first commit made by `at`.
    const undo = (entity: Record<string, unknown>): boolean => {
      if (Date.parse(entity.at as string) <= at) return false;
      // Before an erasure nothing is known any more.
      if (isErasureRow(entity)) {
        records.clear();
        return false;
      }
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
