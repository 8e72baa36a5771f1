import { randomBytes } from 'node:crypto';
import type { ConsentRecord, UpsertResult } from '../api/common/common.schemas';
import { asActor, type Actor } from '../domain/access';
import type { Catalog } from '../domain/catalog';
import type { ConsentWrite } from '../domain/consent-change';
import { contactPointId, type ContactPoint, type ContactPointParser } from '../domain/contact-point';
import type { Erasure } from '../domain/erasure';
import type { Channel, PendingConfirmation, StoredConsent } from '../domain/model';
import { CapacityError, NotFoundError, ValidationError } from '../errors';
import type {
  ConsentStore,
  ContactPointState,
  HistoryQuery,
  Publication,
  RecordsAsOf,
  SendLog,
} from '../storage/consent-store';
import { mapLimit } from '../utils/map-limit';
import { toApiHistoryEntry, toApiRecord } from './api-record';
import type { CatalogService } from './catalog-service';
import { commitWithRetry, type Attempt } from './commit-with-retry';
import { CreationGuess } from './creation-guess';
import { profileOf } from './profile-scope';
import { lifetimeOf, validateRecords } from './record-validation';
import { livePending, planWrites, type PendingWrite, type PlannedResult } from './write-planner';

export interface ConsentServiceOptions {
  parser: ContactPointParser;
  concurrency: number;
  clock?: () => Date;
}

export interface UpsertOptions {
  /**
   * The provider event the writes come from (`twilio:<MessageSid>`): a contact point that has seen
   * it changes nothing again, however late it comes back.
   */
  event?: string;
}

/** The fields of a record a patch may change; those it leaves out stay as stored when it commits. */
export type ConsentPatch = Partial<
  Pick<ConsentWrite, 'value' | 'source' | 'reason' | 'status' | 'owner'> & {
    reasonDescription: string | null;
  }
>;

/** Double opt-ins a contact point may have waiting at once. */
const MAX_PENDING_CONFIRMATIONS = 20;
const DAY_MS = 86_400_000;

type Target = { contactPoint: ContactPoint; writes: PendingWrite[] };

/**
 * Consent records: reads, and every write through one path. Records are validated first (nothing
 * is written if one is bad), then planned per contact point from its stored state (write-planner)
 * and committed with their history in one transaction per contact point, planned again from the
 * new state after a conflict (commit-with-retry).
 */
export class ConsentService {
  private readonly clock: () => Date;
  private readonly creation = new CreationGuess();

  private observer: ChangeObserver | undefined;

  constructor(
    private readonly store: ConsentStore,
    private readonly catalog: CatalogService,
    private readonly options: ConsentServiceOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** How many storage calls one request keeps in flight. */
  get concurrency(): number {
    return this.options.concurrency;
  }

  /** The normalized contact point, or a validation error naming `path`. */
  contactPoint(channel: Channel, raw: string, path = 'contactPoint', index?: number): ContactPoint {
    const normalized = this.options.parser.parse(channel, raw);
    if (!normalized.ok) {
      throw new ValidationError('The contact point is not valid.', [
        { path, message: normalized.message, ...(index !== undefined ? { index } : {}) },
      ]);
    }
    return { channel, address: normalized.address };
  }

  async read(
    channel: Channel,
    raw: string,
  ): Promise<{ contactPoint: ContactPoint; records: ConsentRecord[]; erased?: Erasure }> {
    const contactPoint = this.contactPoint(channel, raw);
    const catalog = await this.catalog.current();
    await this.store.ready();
    const state = await this.store.read(contactPoint);
    const records = [...state.records.values()]
      .map((r) => toApiRecord(contactPoint, r, catalog))
      .sort(
        (a, b) => a.purposeId.localeCompare(b.purposeId) || (a.topicId ?? '').localeCompare(b.topicId ?? ''),
      );
    return { contactPoint, records, ...(state.erased ? { erased: state.erased } : {}) };
  }

  /** The service's time (epoch ms): what opt-in expiry is judged against. */
  now(): number {
    return this.clock().getTime();
  }

  /** The records of several contact points as they stood at `at` (epoch ms), undone from their history. */
  async recordsAsOf(contactPoints: readonly ContactPoint[], at: number): Promise<RecordsAsOf[]> {
    await this.store.ready();
    return mapLimit(contactPoints, this.options.concurrency, (cp) => this.store.recordsAsOf(cp, at));
  }

  /** The stored consent of several contact points, one point read each, in flight together (bounded). */
  async readMany(contactPoints: readonly ContactPoint[]): Promise<ContactPointState[]> {
    await this.store.ready();
    return mapLimit(contactPoints, this.options.concurrency, (cp) => this.store.read(cp));
  }

  /** Counts sends against frequency caps on the state they were decided on (a WriteConflict if it moved). */
  async recordSends(contactPoint: ContactPoint, previous: ContactPointState, sends: SendLog): Promise<void> {
    await this.store.recordSends(contactPoint, previous, sends);
  }

  async history(channel: Channel, raw: string, query: HistoryQuery) {
    const contactPoint = this.contactPoint(channel, raw);
    await this.store.ready();
    const page = await this.store.history(contactPoint, query);
    return {
      entries: page.entries.map((e) => toApiHistoryEntry(contactPoint, e)),
      ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
    };
  }

  /**
   * Validates every record first (nothing is written if one is bad), then applies the writes per
   * contact point: whatever the request changes on one contact point is one transaction with its
   * history, retried on ETag conflicts.
   */
  async upsert(
    inputs: readonly unknown[],
    actor: string | Actor,
    options: UpsertOptions = {},
  ): Promise<UpsertResult[]> {
    const catalog = await this.catalog.current();
    const groups = new Map<string, Target>();
    for (const record of validateRecords(inputs, catalog, this.options.parser, this.clock())) {
      const key = contactPointId(record.contactPoint);
      const group = groups.get(key) ?? { contactPoint: record.contactPoint, writes: [] };
      const { write, ifVersion } = record;
      group.writes.push({
        index: record.index,
        purposeId: write.purposeId,
        ...(write.topicId !== undefined ? { topicId: write.topicId } : {}),
        // Based on what the writer saw and keeping its value: an edit of what is said about it.
        write:
          ifVersion === undefined
            ? () => write
            : (current) => ({ ...write, metadataOnly: current?.value === write.value }),
        ...(ifVersion !== undefined ? { precondition: { version: ifVersion } } : {}),
        ...(record.ignored.length > 0 ? { ignored: record.ignored } : {}),
      });
      groups.set(key, group);
    }
    return this.apply([...groups.values()], inputs.length, actor, catalog, options.event);
  }

  /**
   * Changes only the fields `patch` names of one existing record, onto the record as it is stored
   * when the write commits (inside the retry loop), so a change made meanwhile (a text STOP) to a
   * field it leaves out stays. A patch that keeps the value edits metadata: it never re-grants an
   * expired opt-in. Throws NotFoundError when no such record is stored.
   */
  async patch(
    contactPoint: ContactPoint,
    target: { purposeId: string; topicId?: string },
    patch: ConsentPatch,
    actor: string | Actor,
    precondition?: { version: string },
  ): Promise<UpsertResult> {
    const catalog = await this.catalog.current();
    const receivedAt = this.clock().toISOString();
    const write = (current: StoredConsent | undefined): ConsentWrite => {
      const base = current!;
      const description =
        patch.reasonDescription === undefined
          ? base.reasonDescription
          : (patch.reasonDescription ?? undefined);
      const owner = patch.owner ?? base.owner;
      const value = patch.value ?? base.value;
      return {
        purposeId: base.purposeId,
        ...(base.topicId !== undefined ? { topicId: base.topicId } : {}),
        value,
        // A new value is this writer's, not the stored record's: without a named source it is
        // internal (never the person's own source, which would lift an erasure or misstate proof).
        source: patch.source ?? (value === base.value ? base.source : 'internal'),
        reason: patch.reason ?? base.reason,
        ...(description !== undefined ? { reasonDescription: description } : {}),
        status: patch.status ?? base.status,
        ...(owner !== undefined ? { owner } : {}),
        capturedAt: receivedAt,
        ...lifetimeOf(catalog, target.purposeId, target.topicId),
        metadataOnly: value === base.value,
      };
    };
    // A version names a stored record, so it exists too.
    const writes = [{ index: 0, ...target, write, precondition: precondition ?? { exists: true as const } }];
    const [result] = await this.apply([{ contactPoint, writes }], 1, actor, catalog);
    return result!;
  }

  /**
   * Confirms a pending double opt-in: writes its opt-in, captured when the person confirmed, through
   * the same path as every write, and marks the request confirmed in the same commit. A repeat
   * writes the same record again, so it is `unchanged` (or `stale` if the person opted out since).
   */
  async confirm(contactPoint: ContactPoint, requestId: string, actor: string | Actor): Promise<UpsertResult> {
    const catalog = await this.catalog.current();
    const [state] = await this.readMany([contactPoint]);
    if (state!.etag !== null) this.creation.exists(contactPoint);
    const pending = state!.pending.get(requestId);
    const now = this.clock();
    if (!pending || Date.parse(pending.lapsesAt) <= now.getTime())
      throw new NotFoundError('This link is not valid.');
    const confirmedAt = pending.confirmedAt ?? now.toISOString();
    const write: ConsentWrite = {
      purposeId: pending.purposeId,
      ...(pending.topicId !== undefined ? { topicId: pending.topicId } : {}),
      value: 'optedIn',
      source: pending.source,
      reason: pending.reason,
      ...(pending.reasonDescription !== undefined ? { reasonDescription: pending.reasonDescription } : {}),
      status: 'active',
      capturedAt: confirmedAt,
      ...(pending.expiresAt !== undefined ? { expiresAt: pending.expiresAt } : {}),
      ...lifetimeOf(catalog, pending.purposeId, pending.topicId),
      confirmation: { requestedAt: pending.requestedAt, confirmedAt },
    };
    const writes = [
      {
        index: 0,
        purposeId: write.purposeId,
        ...(write.topicId !== undefined ? { topicId: write.topicId } : {}),
        write: () => write,
        confirms: requestId,
      },
    ];
    const [result] = await this.apply([{ contactPoint, writes }], 1, actor, catalog);
    return result!;
  }

  /**
   * Records a double opt-in request with its contact point; returns its id. Nothing counts as an
   * opt-in until it is confirmed.
   */
  async addPendingConfirmation(
    contactPoint: ContactPoint,
    request: Omit<PendingConfirmation, 'requestedAt' | 'lapsesAt' | 'confirmedAt'>,
    lapseDays: number,
  ): Promise<{ id: string; pending: PendingConfirmation }> {
    const id = randomBytes(8).toString('hex');
    const plan = (state: ContactPointState): Attempt<{ id: string; pending: PendingConfirmation }> => {
      const now = this.clock();
      const pending = livePending(state.pending, now.getTime());
      if (
        [...pending.values()].filter((p) => p.confirmedAt === undefined).length >= MAX_PENDING_CONFIRMATIONS
      ) {
        throw new CapacityError(
          `This contact point already has ${MAX_PENDING_CONFIRMATIONS} confirmations waiting; let some be confirmed or lapse.`,
        );
      }
      const entry: PendingConfirmation = {
        ...request,
        requestedAt: now.toISOString(),
        lapsesAt: new Date(now.getTime() + lapseDays * DAY_MS).toISOString(),
      };
      pending.set(id, entry);
      const next = {
        records: state.records,
        seen: state.seen,
        pending,
        events: state.events,
        suppression: state.suppression,
      };
      return { commit: this.store.prepare(contactPoint, next, []), result: { id, pending: entry } };
    };
    const [state] = await this.readMany([contactPoint]);
    return commitWithRetry(this.store, contactPoint, { state: state!, attempt: plan(state!) }, plan, {
      landed: () => this.creation.exists(contactPoint),
    });
  }

  /** Applies validated writes, grouped per contact point: one commit per contact point, all or nothing each. */
  private async apply(
    targets: readonly Target[],
    count: number,
    actor: string | Actor,
    catalog: Catalog,
    event?: string,
  ): Promise<UpsertResult[]> {
    await this.store.ready();
    // Read every contact point (unless it is probably new) and prepare every commit first: if one
    // would outgrow what the store holds, the whole request is refused before anything is written.
    // A write with a precondition is judged against what is stored, never against a guess.
    const states = await this.creation.readOrGuess(
      this.store,
      targets.map((t) => t.contactPoint),
      targets.map((t) => t.writes.some((w) => w.precondition !== undefined)),
      this.options.concurrency,
    );
    const attempt =
      (target: Target) =>
      (state: ContactPointState): Attempt<PlannedResult[]> => {
        const plan = planWrites(state, target.writes, {
          now: this.clock().toISOString(),
          actor: asActor(actor),
          ...(event ? { event } : {}),
        });
        const commit =
          plan.change && this.store.prepare(target.contactPoint, plan.change.next, plan.change.entries);
        return { commit, result: plan.results };
      };
    const firsts = targets.map((target, i) => attempt(target)(states[i]!));
    const publication: Publication = await this.store.publish(
      firsts.flatMap((first, i) => (first.commit ? [{ prepared: first.commit, previous: states[i]! }] : [])),
    );

    const results = new Array<UpsertResult>(count);
    await mapLimit(targets, this.options.concurrency, async (target, i) => {
      const { contactPoint } = target;
      const planned = await commitWithRetry(
        this.store,
        contactPoint,
        { state: states[i]!, attempt: firsts[i]!, publication },
        attempt(target),
        {
          landed: (previous) => {
            if (previous.etag === null) this.creation.observe(contactPoint, false);
            this.creation.exists(contactPoint);
          },
          conflicted: (previous) => {
            if (previous.etag === null) this.creation.observe(contactPoint, true);
          },
        },
      );
      const now = this.clock().getTime();
      for (const { index, outcome, record, ignored } of planned) {
        results[index] = {
          index,
          outcome,
          ...(record ? { record: toApiRecord(contactPoint, record, catalog) } : {}),
          ...(ignored ? { ignored } : {}),
        };
        if (record && (outcome === 'created' || outcome === 'updated'))
          this.observer?.change(
            now,
            profileOf(catalog, record.purposeId, record.topicId),
            record.source,
            record.value,
          );
      }
    });
    return results;
  }

  /** Counts every committed change (activity statistics, telemetry): in memory, never a write. */
  observe(observer: ChangeObserver): void {
    this.observer = observer;
  }
}

export interface ChangeObserver {
  change(
    at: number,
    profileId: string | undefined,
    source: string,
    value: 'optedIn' | 'optedOut' | 'notSet',
  ): void;
}
