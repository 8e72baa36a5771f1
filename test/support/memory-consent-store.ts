import { randomUUID } from 'node:crypto';
import type { ContactPoint } from '../../shared/domain/contact-point';
import type { Erasure } from '../../shared/domain/erasure';
import { consentKey, type Channel } from '../../shared/domain/model';
import {
  emptyState,
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
} from '../../shared/storage/consent-entities';
import {
  NOT_PUBLISHED,
  type CommitLookup,
  type ConsentStore,
  type ContactPointState,
  type HistoryEntry,
  type HistoryPage,
  type HistoryQuery,
  type NextState,
  type PreparedCommit,
  type PreparedErasure,
  type Publication,
  type RecordsAsOf,
  type ScannedContactPoint,
  type SendLog,
} from '../../shared/storage/consent-store';
import { contactPointKey } from '../../shared/storage/keys';
import { WriteConflict } from '../../shared/storage/write-conflict';

/**
 * The consent store in memory, with the Table Storage adapter's own entity conversions and ETag
 * rule: for unit tests of planning and retries. `beforeCommit` lets a test act as another writer
 * between a read and a commit.
 */
export class MemoryConsentStore implements ConsentStore {
  private readonly states = new Map<string, { entity: Entity; etag: string }>();
  private readonly histories = new Map<string, Entity[]>();
  beforeCommit: ((prepared: PreparedCommit) => Promise<void> | void) | undefined;
  commits = 0;
  conflicts = 0;

  async ready(): Promise<void> {}

  async read(contactPoint: ContactPoint): Promise<ContactPointState> {
    const stored = this.states.get(contactPointKey(contactPoint.channel, contactPoint.address));
    return stored ? stateOf({ ...stored.entity, etag: stored.etag } as never) : emptyState();
  }

  async readByKey(contactKey: string) {
    const stored = this.states.get(contactKey);
    if (!stored) return undefined;
    const { channel, address } = stored.entity as unknown as { channel: Channel; address: string };
    return {
      contactPoint: { channel, address },
      state: stateOf({ ...stored.entity, etag: stored.etag } as never),
    };
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
    const full = { ...erasure, sequence: previous.sequence + 1 };
    const rows = (this.histories.get(contactPointKey(contactPoint.channel, contactPoint.address)) ?? []).map(
      (e) => e.rowKey!,
    );
    return {
      contactPoint,
      id: erasure.id,
      entries: [],
      state: tombstoneEntityOf(contactPoint, full.sequence, previous.events),
      history: erasureEntityOf(contactPoint, full),
      erasure: full,
      deletes: rows,
      remaining: [],
    };
  }

  async purge(contactKey: string, erasure: Erasure): Promise<boolean> {
    const stored = this.states.get(contactKey);
    return stored !== undefined && erasureOf(stored.entity)?.id === erasure.id;
  }

  async publish(): Promise<Publication> {
    return NOT_PUBLISHED;
  }

  async commit(prepared: PreparedCommit, previous: ContactPointState): Promise<void> {
    await this.beforeCommit?.(prepared);
    const key = prepared.state.partitionKey;
    const current = this.states.get(key);
    if ((current?.etag ?? null) !== previous.etag) {
      this.conflicts++;
      throw new WriteConflict();
    }
    this.commits++;
    const erasure = prepared.erasure ?? previous.erased;
    const entity = {
      ...prepared.state,
      sequence: prepared.state.sequence ?? previous.sequence,
      ...(prepared.history ? { head: prepared.history.first } : {}),
      ...(erasure ? erasureProps(prepared.contactPoint, erasure, false) : {}),
      ...(prepared.erasure ? {} : sendLogProps(previous.sends)),
    };
    this.states.set(key, { entity, etag: randomUUID() });
    const kept = (this.histories.get(key) ?? []).filter((e) => !prepared.deletes?.includes(e.rowKey!));
    if (prepared.history) this.histories.set(key, [prepared.history, ...kept]);
  }

  async recordSends(contactPoint: ContactPoint, previous: ContactPointState, sends: SendLog): Promise<void> {
    const key = contactPointKey(contactPoint.channel, contactPoint.address);
    const current = this.states.get(key);
    if ((current?.etag ?? null) !== previous.etag) {
      this.conflicts++;
      throw new WriteConflict();
    }
    const empty = { records: new Map(), seen: new Map(), pending: new Map(), events: new Map() };
    const entity = current?.entity ?? stateEntityOf(contactPoint, { ...empty, suppression: undefined });
    this.states.set(key, { entity: { ...entity, ...sendLogProps(sends) }, etag: randomUUID() });
  }

  async history(contactPoint: ContactPoint, query: HistoryQuery): Promise<HistoryPage> {
    const entities = this.histories.get(contactPointKey(contactPoint.channel, contactPoint.address)) ?? [];
    const end = entities.findIndex(isErasureRow);
    const live = end < 0 ? entities : entities.slice(0, end);
    return { entries: live.flatMap((e) => entriesOf(e)).slice(0, query.limit) };
  }

  async recordsAsOf(contactPoint: ContactPoint, at: number): Promise<RecordsAsOf> {
    const { records, erased, suppression, sends } = await this.read(contactPoint);
    for (const entity of this.histories.get(contactPointKey(contactPoint.channel, contactPoint.address)) ??
      []) {
      if (Date.parse(entity.at as string) <= at) break;
      if (isErasureRow(entity)) {
        records.clear();
        break;
      }
      for (const entry of entriesOf(entity)) {
        const key = consentKey(entry.purposeId, entry.topicId);
        if (entry.before) records.set(key, entry.before);
        else records.delete(key);
      }
    }
    return {
      records,
      ...(erased ? { erased } : {}),
      ...(suppression ? { suppression } : {}),
      ...(sends ? { sends } : {}),
    };
  }

  async readCommit(contactKey: string, historyRowKey: string, commit: string): Promise<CommitLookup> {
    const entity = (this.histories.get(contactKey) ?? []).find((e) => e.rowKey === historyRowKey);
    if (!entity) return 'pending';
    if (entity.commit !== commit) return 'failed';
    const contactPoint = { channel: entity.channel as Channel, address: entity.address as string };
    return { entries: entriesOf(entity).reverse(), contactPoint };
  }

  async scan(options: { channel?: Channel; max: number }): Promise<ScannedContactPoint[]> {
    return [...this.states.entries()]
      .filter(([, { entity }]) => typeof entity.address === 'string')
      .filter(([, { entity }]) => !options.channel || entity.channel === options.channel)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(0, options.max)
      .map(([key, { entity }]) => ({
        key,
        contactPoint: { channel: entity.channel as Channel, address: entity.address as string },
        records: recordsOf(entity),
      }));
  }
}
