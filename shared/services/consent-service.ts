import { randomBytes, randomInt } from 'node:crypto';
import type { z } from 'zod';
import { setTimeout as delay } from 'node:timers/promises';
import { mapLimit } from '../utils/map-limit';
import type { Catalog } from '../domain/catalog';
import {
  applyConsentWrite,
  effectiveCaptureTime,
  type ConsentWrite,
  type Precondition,
} from '../domain/consent-change';
import { contactPointId, normalizeContactPoint } from '../domain/contact-point';
import { consentKey, type Channel, type PendingConfirmation, type StoredConsent } from '../domain/model';
import {
  CapacityError,
  NotFoundError,
  StorageContentionError,
  ValidationError,
  type ErrorDetail,
} from '../errors';
import { itemIssueDetails } from '../utils/issue-details';
import { type ConsentRecord, type UpsertResult } from '../api/common/common.schemas';
import {
  consentRecordInputSchema,
  consentReferencesSchema,
  METADATA_FIELDS,
  type ConsentRecordInput,
} from '../api/consents/consents.schemas';
import {
  emptyState,
  WriteConflict,
  type ConsentStore,
  type ContactPoint,
  type ContactPointState,
  type HistoryEntry,
  type HistoryQuery,
  type PreparedCommit,
  type Publication,
} from '../storage/consent-store';
import { recordId } from '../storage/record-ids';
import type { CatalogService } from './catalog-service';

const MAX_COMMIT_ATTEMPTS = 64;
/** Provider event ids kept per contact point: a repeat of any of the newest this many changes nothing. */
export const MAX_EVENTS_KEPT = 100;

export interface ConsentServiceOptions {
  defaultRegion: string;
  concurrency: number;
  clock?: () => Date;
}

/** One write of a request, made from the record stored when it commits (so it is made again on a retry). */
interface PendingWrite {
  index: number;
  purposeId: string;
  topicId?: string;
  /** The write, from the record stored at commit time: a patch takes what it does not name from it. */
  write: (current: StoredConsent | undefined) => ConsentWrite;
  /** What the record must still be when the write applies: else `conflict` (or 404 for `exists`). */
  precondition?: Precondition;
  /** The double opt-in this write confirms: it must still be pending, and is marked confirmed. */
  confirms?: string;
  /** An opt-out's metadata left out so that it could be applied. */
  ignored?: ErrorDetail[];
}

/** Double opt-ins a contact point may have waiting at once. */
const MAX_PENDING_CONFIRMATIONS = 20;
const DAY_MS = 86_400_000;

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

type PlannedResult = {
  index: number;
  outcome: UpsertResult['outcome'];
  record: StoredConsent | undefined;
  ignored?: ErrorDetail[];
};

/** What one request does to one contact point: an outcome per write and, if anything changes, one commit. */
interface ContactPointPlan {
  results: PlannedResult[];
  commit: PreparedCommit | undefined;
}

/**
 * A stored record as the API returns it. Records belong to their topic (topic ids are unique across
 * profiles), so a topic record reads back under the topic's current purpose if a profile moved it.
 */
export function toApiRecord(
  contactPoint: ContactPoint,
  record: StoredConsent,
  catalog?: Catalog,
): ConsentRecord {
  const topic = record.topicId === undefined ? undefined : catalog?.topics.get(record.topicId);
  return {
    id: recordId(contactPoint.channel, contactPoint.address, record.purposeId, record.topicId),
    channel: contactPoint.channel,
    contactPoint: contactPoint.address,
    ...record,
    purposeId: topic ? topic.purpose.id : record.purposeId,
  };
}

/**
 * Whether a contact point is probably new, so its commit can be sent as a create without reading
 * first (a create fails if it exists; the write then reads and applies as usual, so a wrong guess
 * costs time, never correctness). It learns from every read and commit: while most contact points
 * written turn out new (a bulk load), writes skip the read; while most exist (a sync), they read.
 * Contact points seen to exist are remembered, since nothing is ever deleted.
 */
export class CreationGuess {
  private readonly known = new Map<string, true>();
  private newShare = 1;

  constructor(private readonly capacity = 50_000) {}

  isKnown(key: string): boolean {
    return this.known.has(key);
  }

  /** Whether the contact points written lately were mostly new. */
  mostlyNew(): boolean {
    return this.newShare >= NEW_SHARE_FOR_BLIND_CREATES;
  }

  /** What a read or a create found: the contact point existed before this write, or not. */
  observe(key: string, existed: boolean): void {
    this.newShare = 0.95 * this.newShare + (existed ? 0 : 0.05);
    if (existed) this.exists(key);
  }

  /** The contact point exists now (it was read, or a commit created it). */
  exists(key: string): void {
    this.known.delete(key);
    this.known.set(key, true);
    if (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
  }
}

const NEW_SHARE_FOR_BLIND_CREATES = 0.75;
/** A request with more unknown contact points than this reads this many first, and decides from them. */
const PROBE = 16;

type RecordReferences = z.infer<typeof consentReferencesSchema>;

/** The fields of a record that failed its schema which still have the right shape to be checked. */
function looseReferences(raw: unknown): RecordReferences {
  const parsed = consentReferencesSchema.safeParse(raw);
  return parsed.success ? parsed.data : {};
}

export class ConsentService {
  private readonly clock: () => Date;
  private readonly creation = new CreationGuess();

  constructor(
    private readonly store: ConsentStore,
    private readonly catalog: CatalogService,
    private readonly options: ConsentServiceOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** The normalized contact point, or a validation error naming `path`. */
  contactPoint(channel: Channel, raw: string, path = 'contactPoint', index?: number): ContactPoint {
    const normalized = normalizeContactPoint(channel, raw, this.options.defaultRegion);
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
  ): Promise<{ contactPoint: ContactPoint; records: ConsentRecord[] }> {
    const contactPoint = this.contactPoint(channel, raw);
    const catalog = await this.catalog.current();
    await this.store.ready();
    const state = await this.store.read(contactPoint);
    const records = [...state.records.values()]
      .map((r) => toApiRecord(contactPoint, r, catalog))
      .sort(
        (a, b) => a.purposeId.localeCompare(b.purposeId) || (a.topicId ?? '').localeCompare(b.topicId ?? ''),
      );
    return { contactPoint, records };
  }

  /** The service's time (epoch ms): what opt-in expiry is judged against. */
  now(): number {
    return this.clock().getTime();
  }

  /** The records of several contact points as they stood at `at` (epoch ms), undone from their history. */
  async recordsAsOf(
    contactPoints: readonly ContactPoint[],
    at: number,
  ): Promise<Map<string, StoredConsent>[]> {
    await this.store.ready();
    return mapLimit(contactPoints, this.options.concurrency, (cp) => this.store.recordsAsOf(cp, at));
  }

  /** The stored consent of several contact points, one point read each, in flight together (bounded). */
  async readMany(contactPoints: readonly ContactPoint[]): Promise<ContactPointState[]> {
    await this.store.ready();
    return mapLimit(contactPoints, this.options.concurrency, (cp) => this.store.read(cp));
  }

  async history(channel: Channel, raw: string, query: HistoryQuery) {
    const contactPoint = this.contactPoint(channel, raw);
    await this.store.ready();
    const page = await this.store.history(contactPoint, query);
    return {
      entries: page.entries.map((e) => ({
        at: e.at,
        actor: e.actor,
        purposeId: e.purposeId,
        ...(e.topicId !== undefined ? { topicId: e.topicId } : {}),
        before: e.before ? toApiRecord(contactPoint, e.before) : null,
        after: toApiRecord(contactPoint, e.after),
        source: e.source,
      })),
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
    actor: string,
    options: UpsertOptions = {},
  ): Promise<UpsertResult[]> {
    const catalog = await this.catalog.current();
    const receivedAt = this.clock();
    const problems: ErrorDetail[] = [];
    const groups = new Map<string, { contactPoint: ContactPoint; writes: PendingWrite[] }>();

    inputs.forEach((given, index) => {
      // An opt-out is never refused for its metadata: what is wrong with it is left out, and said.
      const { raw, ignored } = forgiveOptOut(given, index);
      const parsed = consentRecordInputSchema.safeParse(raw);
      if (!parsed.success) {
        const details = itemIssueDetails(parsed.error.issues, 'records', index);
        problems.push(...details);
        // The fields that did parse are still checked, so one answer names every bad path.
        const reported = new Set(details.map((d) => d.path));
        const fresh: ErrorDetail[] = [];
        this.checkReferences(looseReferences(raw), index, catalog, fresh);
        problems.push(...fresh.filter((d) => !reported.has(d.path)));
        return;
      }
      const found = this.validate(parsed.data, index, catalog, receivedAt, problems);
      if (!found) return;
      const key = contactPointId(found.contactPoint);
      const group = groups.get(key) ?? { contactPoint: found.contactPoint, writes: [] };
      const { ifVersion } = parsed.data;
      group.writes.push({
        index,
        purposeId: found.write.purposeId,
        ...(found.write.topicId !== undefined ? { topicId: found.write.topicId } : {}),
        // Based on what the writer saw and keeping its value: an edit of what is said about it.
        write:
          ifVersion === undefined
            ? () => found.write
            : (current) => ({ ...found.write, metadataOnly: current?.value === found.write.value }),
        ...(ifVersion !== undefined ? { precondition: { version: ifVersion } } : {}),
        ...(ignored.length > 0 ? { ignored } : {}),
      });
      groups.set(key, group);
    });
    if (problems.length > 0)
      throw new ValidationError('Some records are not valid; nothing was written.', problems);
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
    actor: string,
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
        source: patch.source ?? base.source,
        reason: patch.reason ?? base.reason,
        ...(description !== undefined ? { reasonDescription: description } : {}),
        status: patch.status ?? base.status,
        ...(owner !== undefined ? { owner } : {}),
        capturedAt: receivedAt,
        ...this.lifetimeOf(catalog, target.purposeId, target.topicId),
        metadataOnly: value === base.value,
      };
    };
    const [result] = await this.apply(
      [
        {
          contactPoint,
          writes: [
            {
              index: 0,
              ...target,
              write,
              // Checked first: a version names a stored record, so it exists too.
              precondition: precondition ?? { exists: true },
            },
          ],
        },
      ],
      1,
      actor,
      catalog,
    );
    return result!;
  }

  /**
   * Confirms a pending double opt-in: writes its opt-in, captured when the person confirmed, through
   * the same path as every write, and marks the request confirmed in the same commit. A repeat
   * writes the same record again, so it is `unchanged` (or `stale` if the person opted out since).
   */
  async confirm(contactPoint: ContactPoint, requestId: string, actor: string): Promise<UpsertResult> {
    const catalog = await this.catalog.current();
    await this.store.ready();
    const [state] = await this.readMany([contactPoint]);
    if (state!.etag !== null) this.creation.exists(contactPointId(contactPoint));
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
      ...this.lifetimeOf(catalog, pending.purposeId, pending.topicId),
      confirmation: { requestedAt: pending.requestedAt, confirmedAt },
    };
    const [result] = await this.apply(
      [
        {
          contactPoint,
          writes: [
            {
              index: 0,
              purposeId: write.purposeId,
              ...(write.topicId !== undefined ? { topicId: write.topicId } : {}),
              write: () => write,
              confirms: requestId,
            },
          ],
        },
      ],
      1,
      actor,
      catalog,
    );
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
    await this.store.ready();
    const id = randomBytes(8).toString('hex');
    for (let attempt = 1; ; attempt++) {
      const [state] = await this.readMany([contactPoint]);
      const now = this.clock();
      const pending = livePending(state!.pending, now.getTime());
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
      const prepared = this.store.prepare(
        contactPoint,
        { records: state!.records, seen: state!.seen, pending, events: state!.events },
        [],
      );
      try {
        await this.store.commit(prepared, state!);
        this.creation.exists(contactPointId(contactPoint));
        return { id, pending: entry };
      } catch (error) {
        if (!(error instanceof WriteConflict)) throw error;
      }
      if (attempt >= MAX_COMMIT_ATTEMPTS) throw new StorageContentionError();
      await delay(randomInt(1, 5 + Math.min(attempt, 20) * 5));
    }
  }

  /** A purpose's lifetime for new opt-ins to it or to one of its topics, as a write carries it. */
  private lifetimeOf(catalog: Catalog, purposeId: string, topicId?: string): { lifetimeDays?: number } {
    const purpose =
      topicId !== undefined ? catalog.topics.get(topicId)?.purpose : catalog.purposes.get(purposeId)?.purpose;
    const days = purpose?.consentLifetimeDays;
    return days !== undefined ? { lifetimeDays: days } : {};
  }

  /** Applies validated writes, grouped per contact point: one commit per contact point, all or nothing each. */
  private async apply(
    targets: ReadonlyArray<{ contactPoint: ContactPoint; writes: PendingWrite[] }>,
    count: number,
    actor: string,
    catalog: Catalog,
    event?: string,
  ): Promise<UpsertResult[]> {
    await this.store.ready();
    // Read every contact point (unless it is probably new) and prepare every commit first: if one
    // would outgrow what the store holds, the whole request is refused before anything is written.
    // A write with a precondition is judged against what is stored, never against a guess.
    const states = await this.readOrGuess(
      targets.map((t) => t.contactPoint),
      targets.map((t) => t.writes.some((w) => w.precondition !== undefined)),
    );
    const plans = targets.map((t, i) => this.plan(t.contactPoint, states[i]!, t.writes, actor, event));
    const publication = await this.store.publish(
      plans.flatMap((plan, i) => (plan.commit ? [{ prepared: plan.commit, previous: states[i]! }] : [])),
    );

    const results = new Array<UpsertResult>(count);
    await mapLimit(targets, this.options.concurrency, async ({ contactPoint, writes }, i) => {
      const applied = await this.applyToContactPoint(
        contactPoint,
        writes,
        actor,
        event,
        states[i]!,
        plans[i]!,
        publication,
      );
      for (const { index, outcome, record, ignored } of applied) {
        results[index] = {
          index,
          outcome,
          ...(record ? { record: toApiRecord(contactPoint, record, catalog) } : {}),
          ...(ignored ? { ignored } : {}),
        };
      }
    });
    return results;
  }

  /**
   * The state of each contact point, read, or assumed empty where it is probably new (its commit is
   * then a create, which fails if it exists after all). A large request reads a sample of its
   * unknown contact points first and decides for the rest from what that sample found.
   */
  private async readOrGuess(
    contactPoints: readonly ContactPoint[],
    mustRead: readonly boolean[],
  ): Promise<ContactPointState[]> {
    const states = new Array<ContactPointState | undefined>(contactPoints.length);
    const known = contactPoints.map(
      (cp, i) => mustRead[i] === true || this.creation.isKnown(contactPointId(cp)),
    );
    const unknown = contactPoints.flatMap((_, i) => (known[i] ? [] : [i]));
    const probed = unknown.length > PROBE ? unknown.slice(0, PROBE) : [];
    const first = contactPoints.flatMap((_, i) => (known[i] || probed.includes(i) ? [i] : []));
    const read = (indexes: readonly number[]) =>
      mapLimit(indexes, this.options.concurrency, async (i) => {
        const state = await this.store.read(contactPoints[i]!);
        this.creation.observe(contactPointId(contactPoints[i]!), state.etag !== null);
        states[i] = state;
      });
    await read(first);
    const rest = unknown.filter((i) => states[i] === undefined);
    const blind =
      probed.length > 0
        ? probed.filter((i) => states[i]!.etag === null).length >= NEW_SHARE_FOR_BLIND_CREATES * probed.length
        : this.creation.mostlyNew();
    if (blind) for (const i of rest) states[i] = emptyState();
    else await read(rest);
    return states as ContactPointState[];
  }

  /**
   * Checks what the schema cannot: the address, known purpose and topic. A capture time later than
   * receipt is never refused: it counts as receipt time.
   */
  private checkReferences(
    input: RecordReferences,
    index: number,
    catalog: Catalog,
    problems: ErrorDetail[],
  ): string | undefined {
    const problem = (field: string, message: string) =>
      problems.push({ index, path: `records[${index}].${field}`, message });
    let address: string | undefined;
    if (input.channel !== undefined && input.contactPoint !== undefined) {
      const normalized = normalizeContactPoint(input.channel, input.contactPoint, this.options.defaultRegion);
      if (normalized.ok) address = normalized.address;
      else problem('contactPoint', normalized.message);
    }
    const purpose = input.purposeId === undefined ? undefined : catalog.purposes.get(input.purposeId);
    if (input.purposeId !== undefined && !purpose)
      problem('purposeId', `there is no purpose "${input.purposeId}"`);
    if (input.topicId !== undefined) {
      const topic = catalog.topics.get(input.topicId);
      if (!topic) problem('topicId', `there is no topic "${input.topicId}"`);
      else if (purpose && topic.purpose.id !== purpose.purpose.id) {
        problem('topicId', `topic "${input.topicId}" is not under purpose "${input.purposeId}"`);
      }
    }
    return address;
  }

  private validate(
    input: ConsentRecordInput,
    index: number,
    catalog: Catalog,
    receivedAt: Date,
    problems: ErrorDetail[],
  ): { contactPoint: ContactPoint; write: ConsentWrite } | undefined {
    const before = problems.length;
    const address = this.checkReferences(input, index, catalog, problems);
    if (input.expiresAt !== undefined && input.value !== 'optedIn')
      problems.push({
        index,
        path: `records[${index}].expiresAt`,
        message: 'only an optedIn record expires',
      });
    if (problems.length > before || address === undefined) return undefined;
    return {
      contactPoint: { channel: input.channel, address },
      write: {
        purposeId: input.purposeId,
        ...(input.topicId !== undefined ? { topicId: input.topicId } : {}),
        value: input.value,
        source: input.source,
        reason: input.reason,
        ...(input.reasonDescription !== undefined ? { reasonDescription: input.reasonDescription } : {}),
        status: input.status,
        ...(input.owner !== undefined ? { owner: input.owner } : {}),
        capturedAt: effectiveCaptureTime(input.capturedAt, receivedAt),
        ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt } : {}),
        ...this.lifetimeOf(catalog, input.purposeId, input.topicId),
      },
    };
  }

  /**
   * Applies a request's writes to one contact point in order: one outcome each and, if anything is
   * created, updated, a capture mark moves or a provider event is new, one prepared commit holding
   * all of it. Each write is made from the record stored now, so a retry after a conflict makes it
   * again from what the other writer left.
   */
  private plan(
    contactPoint: ContactPoint,
    state: ContactPointState,
    writes: readonly PendingWrite[],
    actor: string,
    event: string | undefined,
  ): ContactPointPlan {
    const now = this.clock().toISOString();
    const records = new Map(state.records);
    const seen = new Map(state.seen);
    const pending = livePending(state.pending, Date.parse(now));
    const events = new Map(state.events);
    // A provider's second delivery of an event this contact point has seen changes nothing.
    const repeated = event !== undefined && events.has(event);
    if (event !== undefined && !repeated) {
      events.set(event, now);
      for (const oldest of events.keys()) {
        if (events.size <= MAX_EVENTS_KEPT) break;
        events.delete(oldest);
      }
    }
    let confirmed = false;
    const entries: HistoryEntry[] = [];
    const results: PlannedResult[] = [];
    let marksMoved = false;
    for (const pendingWrite of writes) {
      const { index, precondition, confirms, ignored } = pendingWrite;
      const key = consentKey(pendingWrite.purposeId, pendingWrite.topicId);
      const current = records.get(key);
      const result = (outcome: PlannedResult['outcome'], record: StoredConsent | undefined) =>
        results.push({ index, outcome, record, ...(ignored ? { ignored } : {}) });
      if (repeated) {
        result('unchanged', current);
        continue;
      }
      if (precondition !== undefined) {
        if ('exists' in precondition) {
          if (!current) throw new NotFoundError('The record does not exist.');
        } else if ((current?.version ?? null) !== precondition.version) {
          result('conflict', current);
          continue;
        }
      }
      let write = pendingWrite.write(current);
      if (confirms !== undefined) {
        const request = pending.get(confirms);
        // Lapsed (or gone) while this write was under way: it confirms nothing.
        if (!request) throw new NotFoundError('This link is not valid.');
        if (request.confirmedAt === undefined) {
          pending.set(confirms, { ...request, confirmedAt: write.capturedAt });
          confirmed = true;
        } else {
          // Confirmed meanwhile (a concurrent or repeated confirmation): the same write again.
          const confirmedAt = request.confirmedAt;
          write = {
            ...write,
            capturedAt: confirmedAt,
            confirmation: { requestedAt: request.requestedAt, confirmedAt },
          };
        }
      }
      const sequence = state.sequence + entries.length + 1;
      const applied = applyConsentWrite(current, seen.get(key), write, {
        now,
        actor,
        version: String(sequence),
      });
      if (applied.outcome === 'created' || applied.outcome === 'updated') {
        records.set(key, applied.record);
        entries.push({
          sequence,
          at: now,
          actor,
          purposeId: write.purposeId,
          ...(write.topicId !== undefined ? { topicId: write.topicId } : {}),
          source: write.source,
          before: applied.before,
          after: applied.record,
        });
      }
      // The mark is kept only while it is later than the record's own capture time.
      const markBefore = seen.get(key);
      if (Date.parse(applied.seen) > Date.parse(applied.record.capturedAt)) seen.set(key, applied.seen);
      else seen.delete(key);
      if (seen.get(key) !== markBefore) marksMoved = true;
      result(applied.outcome, applied.record);
    }
    const eventKept = event !== undefined && !repeated;
    const commit =
      entries.length > 0 || marksMoved || confirmed || eventKept
        ? this.store.prepare(contactPoint, { records, seen, pending, events }, entries)
        : undefined;
    return { results, commit };
  }

  private async applyToContactPoint(
    contactPoint: ContactPoint,
    writes: readonly PendingWrite[],
    actor: string,
    event: string | undefined,
    state: ContactPointState,
    plan: ContactPointPlan,
    publication: Publication,
  ): Promise<ContactPointPlan['results']> {
    for (let attempt = 1; ; attempt++) {
      if (!plan.commit) return plan.results;
      try {
        await this.store.commit(plan.commit, state, attempt === 1 ? publication : undefined);
        if (state.etag === null) this.creation.observe(contactPointId(contactPoint), false);
        this.creation.exists(contactPointId(contactPoint));
        return plan.results;
      } catch (error) {
        if (!(error instanceof WriteConflict)) throw error;
        if (state.etag === null) this.creation.observe(contactPointId(contactPoint), true);
      }
      if (attempt >= MAX_COMMIT_ATTEMPTS) throw new StorageContentionError();
      await delay(randomInt(1, 5 + Math.min(attempt, 20) * 5));
      state = await this.store.read(contactPoint);
      plan = this.plan(contactPoint, state, writes, actor, event);
    }
  }
}

/** The double opt-ins still waiting or recently confirmed: lapsed ones are dropped when next written. */
function livePending(
  pending: ReadonlyMap<string, PendingConfirmation>,
  now: number,
): Map<string, PendingConfirmation> {
  return new Map([...pending].filter(([, request]) => Date.parse(request.lapsesAt) > now));
}

const PLAIN_NAME = /^[A-Za-z_$][A-Za-z0-9_.$-]{0,63}$/;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * An opt-out is never refused for its metadata (DOMAIN.md, Syncing): on a record whose value is
 * `optedOut`, an `expiresAt` (opt-outs never expire), a metadata field that is not valid (it takes
 * its default; a bad capture time counts as receipt time) and a field the service does not know are
 * left out, and each is named in the result. What identifies the record is still checked as usual.
 */
export function forgiveOptOut(raw: unknown, index: number): { raw: unknown; ignored: ErrorDetail[] } {
  if (!isPlainObject(raw) || raw.value !== 'optedOut') return { raw, ignored: [] };
  const shape = consentRecordInputSchema.shape as Record<string, z.ZodType>;
  const kept: Record<string, unknown> = {};
  const ignored: ErrorDetail[] = [];
  const unknown: string[] = [];
  const leave = (field: string, message: string) =>
    ignored.push({ index, path: `records[${index}].${field}`, message });
  for (const [field, value] of Object.entries(raw)) {
    if (field === 'expiresAt') leave(field, 'ignored: opt-outs never expire');
    else if (!Object.hasOwn(shape, field)) unknown.push(field);
    else if (
      (METADATA_FIELDS as readonly string[]).includes(field) &&
      !shape[field]!.safeParse(value).success
    )
      leave(field, 'ignored: not valid, so its default applies');
    else kept[field] = value;
  }
  // Named when the name is a plain identifier; any other name is not echoed (it could hold an address).
  for (const field of unknown.filter((f) => PLAIN_NAME.test(f)))
    leave(field, 'ignored: not a field of a consent record');
  if (unknown.some((f) => !PLAIN_NAME.test(f)))
    ignored.push({ index, path: `records[${index}]`, message: 'ignored: fields not of a consent record' });
  return { raw: kept, ignored };
}
