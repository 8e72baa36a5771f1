import { randomUUID } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  odata,
  type TableClient,
  type TableEntity,
  type TableEntityResult,
  type TransactionAction,
} from '@azure/data-tables';
import type { Channel, PendingConfirmation, Source, StoredConsent } from '../domain/model';
import { CapacityError, ConflictError, ValidationError } from '../errors';
import {
  HISTORY_ROW_END,
  HISTORY_ROW_PREFIX,
  STATE_ROW_KEY,
  channelKeyRange,
  contactPointKey,
  historyRowKey,
  sequenceOfHistoryRowKey,
} from './keys';
import { allSettled } from '../utils/all-settled';
import { type Limiter } from '../utils/limiter';
import { consentKey } from '../domain/model';
import {
  MAX_COMMITS_PER_MARKER,
  positionOf,
  type FeedMarker,
  type FeedMarkerStore,
} from '../feed/feed-markers';
import { asciiJson, ensureTable, fromChunks, once, storageCall, toChunks } from './tables';
import { submitTransaction } from './table-transaction';

export interface ContactPoint {
  channel: Channel;
  address: string;
}

/** Everything stored for one contact point: one entity, so a check needs one point read. */
export interface ContactPointState {
  records: Map<string, StoredConsent>;
  /** Per record, the newest capture time seen when it is later than the record's own. */
  seen: Map<string, string>;
  /** Double opt-ins requested for this contact point, by request id. */
  pending: Map<string, PendingConfirmation>;
  /**
   * Provider events already applied to this contact point (`twilio:<MessageSid>`, `acs:<event id>`),
   * with when: a second delivery of one of them changes nothing. The newest ones are kept.
   */
  events: Map<string, string>;
  sequence: number;
  /**
   * The first sequence of the newest commit that wrote history: its row key. Each history entity
   * names the one before it (`prev`), so history can be walked back with point reads.
   */
  head?: number;
  /** Feed position time of the last commit: the next one's marker must come after it. */
  feedAt: number;
  /** `null` when nothing is stored yet. */
  etag: string | null;
}

/** What a commit leaves stored for a contact point. */
export interface NextState {
  records: ReadonlyMap<string, StoredConsent>;
  seen: ReadonlyMap<string, string>;
  pending: ReadonlyMap<string, PendingConfirmation>;
  events: ReadonlyMap<string, string>;
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

/** A commit serialized and checked against what the store holds, ready to be submitted. */
export interface PreparedCommit {
  readonly contactPoint: ContactPoint;
  readonly id: string;
  readonly entries: readonly HistoryEntry[];
  readonly state: TableEntity<Record<string, unknown>>;
  readonly history: TableEntity<Record<string, unknown>> | undefined;
}

/** What a history row holds for a commit a feed marker names. */
export type CommitLookup = HistoryEntry[] | 'pending' | 'failed';

/** Where each commit of a request was announced in the change feed. */
export interface Publication {
  markerOf(commit: string): { marker: FeedMarker; index: number } | undefined;
}

const NOT_PUBLISHED: Publication = { markerOf: () => undefined };

export interface ConsentStore {
  ready(): Promise<void>;
  read(contactPoint: ContactPoint): Promise<ContactPointState>;
  /** The contact point stored under a PartitionKey and its state, or undefined when nothing is. */
  readByKey(
    contactKey: string,
  ): Promise<{ contactPoint: ContactPoint; state: ContactPointState } | undefined>;
  /**
   * Serializes what a commit would store, or throws a CapacityError if it would not fit: every
   * commit of a request is prepared before the first is submitted.
   */
  prepare(contactPoint: ContactPoint, next: NextState, entries: readonly HistoryEntry[]): PreparedCommit;
  /**
   * Announces a request's commits in the change feed before any is sent: one marker for up to 200
   * of them. Commits it does not cover announce themselves when they are sent.
   */
  publish(
    commits: ReadonlyArray<{ prepared: PreparedCommit; previous: ContactPointState }>,
  ): Promise<Publication>;
  /**
   * Writes the new state and all its history entries in one transaction, if nobody wrote since
   * `previous` was read. Without entries only the state changes (a capture mark moved).
   */
  commit(prepared: PreparedCommit, previous: ContactPointState, publication?: Publication): Promise<void>;
  history(contactPoint: ContactPoint, query: HistoryQuery): Promise<HistoryPage>;
  /**
   * The records as they stood at `at` (epoch ms): the current ones with every later commit undone,
   * newest first, down to the last commit made by then.
   */
  recordsAsOf(contactPoint: ContactPoint, at: number): Promise<Map<string, StoredConsent>>;
  /**
   * The entries of commit `commit` at a history row: `pending` if the row is not there (yet),
   * `failed` if another commit holds it (so this one never landed).
   */
  readCommit(contactKey: string, historyRowKey: string, commit: string): Promise<CommitLookup>;
  /**
   * Contact points in key order, with their records: from `from` on (the contact point at `from`
   * itself too when `inclusive`), only `channel`'s when given, at most `max` of them.
   */
  scan(options: {
    from?: string;
    inclusive?: boolean;
    channel?: Channel;
    max: number;
  }): Promise<ScannedContactPoint[]>;
}

export interface ScannedContactPoint {
  key: string;
  contactPoint: ContactPoint;
  records: Map<string, StoredConsent>;
}

/** When the change feed is on: where markers go, and the time rules that make the feed complete. */
export interface FeedWriting {
  markers: FeedMarkerStore;
  /** A marker must be stored within this long of its time, or its commit is not sent. */
  markerBudgetMs: number;
  /** A commit not landed this long after its marker's time never will (readers pass it over). */
  commitDeadlineMs: number;
  clock?: () => number;
}

// A state entity may hold up to 1 MiB; we stop well short so Azure, Cosmos DB and Azurite all agree.
const MAX_STATE_CHARS = 400_000;
/** A binary property holds at most 64 KiB; 14 of them keep a history entity well under 1 MiB. */
const HISTORY_CHUNK_BYTES = 64 * 1024;
const MAX_HISTORY_CHUNKS = 14;
const TOKEN_PATTERN = /^h\d{16}$/;
/** Commits a replay undoes by point reads before it queries the rest of the history. */
const AS_OF_POINT_READS = 16;
/** History entities per page when a replay queries the history. */
const AS_OF_PAGE = 100;

/** What a contact point holds before its first commit. */
export function emptyState(): ContactPointState {
  return {
    records: new Map(),
    seen: new Map(),
    pending: new Map(),
    events: new Map(),
    sequence: 0,
    feedAt: 0,
    etag: null,
  };
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

function toBinaryChunks(bytes: Buffer, prefix: string): Record<string, Uint8Array> {
  const chunks: Record<string, Uint8Array> = {};
  for (let i = 0, n = 0; i < bytes.length || n === 0; i += HISTORY_CHUNK_BYTES, n++) {
    chunks[`${prefix}${n}`] = new Uint8Array(bytes.subarray(i, i + HISTORY_CHUNK_BYTES));
  }
  return chunks;
}

function fromBinaryChunks(entity: Record<string, unknown>, prefix: string): Buffer {
  const parts: Buffer[] = [];
  for (let n = 0; entity[`${prefix}${n}`] instanceof Uint8Array; n++) {
    parts.push(Buffer.from(entity[`${prefix}${n}`] as Uint8Array));
  }
  return Buffer.concat(parts);
}

/**
 * One partition per contact point: the state entity (every record, read with one point read) and
 * one history entity per commit, holding all of that commit's entries (compressed), so whatever a
 * request changes on a contact point is one transaction however many records it names.
 */
export class TableConsentStore implements ConsentStore {
  readonly ready = once(() => ensureTable(this.table));

  constructor(
    private readonly table: TableClient,
    private readonly limiter: Limiter,
    private readonly feed?: FeedWriting,
  ) {}

  async read(contactPoint: ContactPoint): Promise<ContactPointState> {
    const entity = await this.stateEntity(contactPointKey(contactPoint.channel, contactPoint.address));
    if (!entity) return emptyState();
    if (entity.address !== contactPoint.address || entity.channel !== contactPoint.channel) {
      throw new ConflictError('Two contact points map to one storage key; this address cannot be stored.');
    }
    return this.toState(entity);
  }

  async readByKey(
    contactKey: string,
  ): Promise<{ contactPoint: ContactPoint; state: ContactPointState } | undefined> {
    const entity = await this.stateEntity(contactKey);
    if (!entity) return undefined;
    return {
      contactPoint: { channel: entity.channel as Channel, address: entity.address as string },
      state: this.toState(entity),
    };
  }

  private stateEntity(partitionKey: string): Promise<TableEntityResult<Record<string, unknown>> | undefined> {
    return this.limiter.run(() =>
      storageCall<TableEntityResult<Record<string, unknown>> | undefined>(
        () => this.table.getEntity<Record<string, unknown>>(partitionKey, STATE_ROW_KEY),
        { 404: () => undefined },
      ),
    );
  }

  private toState(entity: TableEntityResult<Record<string, unknown>>): ContactPointState {
    const records = JSON.parse(fromChunks(entity, 'r')) as Record<string, StoredConsent>;
    const seenJson = fromChunks(entity, 'm');
    const seen = seenJson === '' ? {} : (JSON.parse(seenJson) as Record<string, string>);
    const pendingJson = fromChunks(entity, 'q');
    const pending =
      pendingJson === '' ? {} : (JSON.parse(pendingJson) as Record<string, PendingConfirmation>);
    const eventsJson = fromChunks(entity, 'e');
    const events = eventsJson === '' ? {} : (JSON.parse(eventsJson) as Record<string, string>);
    return {
      records: new Map(Object.entries(records)),
      seen: new Map(Object.entries(seen)),
      pending: new Map(Object.entries(pending)),
      events: new Map(Object.entries(events)),
      sequence: Number(entity.sequence ?? 0),
      ...(typeof entity.head === 'number' ? { head: entity.head } : {}),
      feedAt: typeof entity.feedAt === 'number' ? entity.feedAt : 0,
      etag: entity.etag,
    };
  }

  prepare(contactPoint: ContactPoint, next: NextState, entries: readonly HistoryEntry[]): PreparedCommit {
    const partitionKey = contactPointKey(contactPoint.channel, contactPoint.address);
    const records = asciiJson(Object.fromEntries(next.records));
    const seen = next.seen.size === 0 ? '' : asciiJson(Object.fromEntries(next.seen));
    const pending = next.pending.size === 0 ? '' : asciiJson(Object.fromEntries(next.pending));
    const events = next.events.size === 0 ? '' : asciiJson(Object.fromEntries(next.events));
    if (records.length + seen.length + pending.length + events.length > MAX_STATE_CHARS) {
      throw new CapacityError('This contact point would hold more consent records than the store allows.');
    }
    const id = randomUUID();
    const last = entries[entries.length - 1];
    const state: TableEntity<Record<string, unknown>> = {
      partitionKey,
      rowKey: STATE_ROW_KEY,
      channel: contactPoint.channel,
      address: contactPoint.address,
      ...(last ? { sequence: last.sequence } : {}),
      ...toChunks(records, 'r'),
      ...(seen === '' ? {} : toChunks(seen, 'm')),
      ...(pending === '' ? {} : toChunks(pending, 'q')),
      ...(events === '' ? {} : toChunks(events, 'e')),
    };
    let history: TableEntity<Record<string, unknown>> | undefined;
    if (entries.length > 0) {
      const packed = deflateRawSync(Buffer.from(asciiJson(entries), 'utf8'));
      if (packed.length > HISTORY_CHUNK_BYTES * MAX_HISTORY_CHUNKS) {
        throw new CapacityError('One request changes more on this contact point than one commit can hold.');
      }
      history = {
        partitionKey,
        rowKey: historyRowKey(entries[0]!.sequence),
        commit: id,
        first: entries[0]!.sequence,
        count: entries.length,
        at: last!.at,
        actor: last!.actor,
        ...toBinaryChunks(packed, 'z'),
      };
    }
    return { contactPoint, id, entries, state, history };
  }

  async publish(
    commits: ReadonlyArray<{ prepared: PreparedCommit; previous: ContactPointState }>,
  ): Promise<Publication> {
    const feed = this.feed;
    const announced = commits.filter((c) => c.prepared.history);
    if (!feed || announced.length === 0) return NOT_PUBLISHED;
    const markers: FeedMarker[] = [];
    for (let i = 0; i < announced.length; i += MAX_COMMITS_PER_MARKER) {
      const group = announced.slice(i, i + MAX_COMMITS_PER_MARKER);
      markers.push(
        this.marker(
          group.map((c) => c.prepared),
          Math.max(...group.map((c) => c.previous.feedAt)),
        ),
      );
    }
    await feed.markers.ready();
    await allSettled(markers.map((m) => feed.markers.write(m)));
    // Stored too late, a marker could fall behind a reader's cursor: none of these is used, and
    // each commit announces itself when it is sent.
    if ((feed.clock ?? Date.now)() > Math.min(...markers.map((m) => m.time)) + feed.markerBudgetMs) {
      await Promise.all(markers.map((m) => feed.markers.remove(m))).catch(() => undefined);
      return NOT_PUBLISHED;
    }
    const byCommit = new Map<string, { marker: FeedMarker; index: number }>();
    for (const marker of markers)
      marker.commits.forEach((c, index) => byCommit.set(c.commit, { marker, index }));
    return { markerOf: (commit) => byCommit.get(commit) };
  }

  async commit(
    prepared: PreparedCommit,
    previous: ContactPointState,
    publication = NOT_PUBLISHED,
  ): Promise<void> {
    const announced =
      publication.markerOf(prepared.id) ??
      (prepared.history && this.feed
        ? { marker: await this.announce(prepared, previous), index: 0 }
        : undefined);
    const state: TableEntity<Record<string, unknown>> = {
      ...prepared.state,
      sequence: prepared.state.sequence ?? previous.sequence,
      feedAt: announced?.marker.time ?? previous.feedAt,
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
      if (announced) await this.feed!.markers.fail(announced.marker, announced.index).catch(() => undefined);
      throw error;
    }
  }

  private marker(commits: readonly PreparedCommit[], previousFeedAt: number): FeedMarker {
    const feed = this.feed!;
    // After every listed contact point's previous commit: one contact point's changes keep their
    // order in the feed even when instances' clocks disagree.
    const time = Math.max((feed.clock ?? Date.now)(), previousFeedAt + 1);
    return {
      position: positionOf(time, randomUUID()),
      time,
      deadline: time + feed.commitDeadlineMs,
      commits: commits.map((c) => ({
        commit: c.id,
        channel: c.contactPoint.channel,
        address: c.contactPoint.address,
        contactKey: c.history!.partitionKey,
        historyRowKey: c.history!.rowKey,
      })),
      failed: new Set(),
    };
  }

  /** The marker of one commit sent on its own (a retry after a conflict). */
  private async announce(prepared: PreparedCommit, previous: ContactPointState): Promise<FeedMarker> {
    const feed = this.feed!;
    const marker = this.marker([prepared], previous.feedAt);
    await feed.markers.ready();
    await feed.markers.write(marker);
    if ((feed.clock ?? Date.now)() > marker.time + feed.markerBudgetMs) {
      await feed.markers.remove(marker).catch(() => undefined);
      throw new WriteConflict();
    }
    return marker;
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
          const records = JSON.parse(fromChunks(entity, 'r')) as Record<string, StoredConsent>;
          found.push({
            key: entity.partitionKey!,
            contactPoint: { channel: entity.channel as Channel, address: entity.address as string },
            records: new Map(Object.entries(records)),
          });
        }
        if (found.length >= options.max) break;
      }
      return found;
    });
  }

  async readCommit(contactKey: string, historyRowKey: string, commit: string): Promise<CommitLookup> {
    const entity = await this.limiter.run(() =>
      storageCall<TableEntityResult<Record<string, unknown>> | undefined>(
        () => this.table.getEntity<Record<string, unknown>>(contactKey, historyRowKey),
        { 404: () => undefined },
      ),
    );
    if (!entity) return 'pending';
    if (entity.commit !== commit) return 'failed';
    return this.entriesOf(entity).reverse();
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
        for (const entity of page) found.push(...this.entriesOf(entity).filter(wanted));
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
      for (const entry of this.entriesOf(entity)) {
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
      const entity = await this.limiter.run(() =>
        storageCall<TableEntityResult<Record<string, unknown>> | undefined>(
          () => this.table.getEntity<Record<string, unknown>>(partitionKey, rowKey),
          { 404: () => undefined },
        ),
      );
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

  /** The entries of one history entity, newest first (single-entry entities are an older layout). */
  private entriesOf(entity: Record<string, unknown>): HistoryEntry[] {
    if (entity.z0 instanceof Uint8Array) {
      const entries = JSON.parse(inflateRawSync(fromBinaryChunks(entity, 'z')).toString('utf8'));
      return (entries as HistoryEntry[]).reverse();
    }
    const before = entity.before as string;
    return [
      {
        sequence: Number(entity.sequence),
        at: entity.at as string,
        actor: entity.actor as string,
        purposeId: entity.purposeId as string,
        ...(typeof entity.topicId === 'string' ? { topicId: entity.topicId } : {}),
        source: entity.source as Source,
        before: before === '' ? null : (JSON.parse(before) as StoredConsent),
        after: JSON.parse(entity.after as string) as StoredConsent,
      },
    ];
  }
}
