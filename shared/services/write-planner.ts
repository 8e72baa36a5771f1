import type { UpsertResult } from '../api/common/common.schemas';
import { applyConsentWrite, type ConsentWrite, type Precondition } from '../domain/consent-change';
import type { Actor } from '../domain/access';
import { writeAllowedAfterErasure } from '../domain/erasure';
import { erasedEventKey } from '../storage/subject-key';
import { consentKey, type PendingConfirmation, type StoredConsent } from '../domain/model';
import { NotFoundError, type ErrorDetail } from '../errors';
import type { ContactPointState, HistoryEntry, NextState } from '../storage/consent-store';

/** Provider event ids kept per contact point: a repeat of any of the newest this many changes nothing. */
export const MAX_EVENTS_KEPT = 100;

/** One write of a request, made from the record stored when it commits (so it is made again on a retry). */
export interface PendingWrite {
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

export interface PlannedResult {
  index: number;
  outcome: UpsertResult['outcome'];
  record: StoredConsent | undefined;
  ignored?: ErrorDetail[];
}

/** What one request does to one contact point: an outcome per write, and what to store if anything changes. */
export interface WritePlan {
  results: PlannedResult[];
  /** What the commit leaves stored, with its history entries; undefined when nothing is to be written. */
  change: { next: NextState; entries: HistoryEntry[] } | undefined;
}

export interface PlanContext {
  /** When the writes are applied (ISO): their modification time, history time and expiry clock. */
  now: string;
  actor: Actor;
  /** The provider event the writes come from, when they come from one. */
  event?: string;
}

/** The double opt-ins still waiting or recently confirmed: lapsed ones are dropped when next written. */
export function livePending(
  pending: ReadonlyMap<string, PendingConfirmation>,
  now: number,
): Map<string, PendingConfirmation> {
  return new Map([...pending].filter(([, request]) => Date.parse(request.lapsesAt) > now));
}

/**
 * Applies a request's writes to one contact point's state, in order: pure, no I/O. One outcome per
 * write and, if anything is created or updated, a capture mark moves, a confirmation is marked or a
 * provider event is new, the state to store with its history entries. Each write is made from the
 * record as it stands in `state`, so planning again after a conflict makes it from what the other
 * writer left.
 */
export function planWrites(
  state: ContactPointState,
  writes: readonly PendingWrite[],
  context: PlanContext,
): WritePlan {
  const { now, actor, event } = context;
  const records = new Map(state.records);
  const seen = new Map(state.seen);
  const pending = livePending(state.pending, Date.parse(now));
  const events = new Map(state.events);
  // A provider's second delivery of an event this contact point has seen changes nothing.
  const repeated = event !== undefined && (events.has(event) || events.has(erasedEventKey(event)));
  if (event !== undefined && !repeated) {
    events.set(event, now);
    for (const oldest of events.keys()) {
      if (events.size <= MAX_EVENTS_KEPT) break;
      events.delete(oldest);
    }
  }
  let confirmed = false;
  let marksMoved = false;
  const entries: HistoryEntry[] = [];
  const results: PlannedResult[] = [];
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
    // An erased address is never re-subscribed by anyone but the person (DOMAIN.md, Erasure).
    if (state.erased && !writeAllowedAfterErasure(state.erased, write, current, now)) {
      result('suppressed', current);
      continue;
    }
    const sequence = state.sequence + entries.length + 1;
    const applied = applyConsentWrite(current, seen.get(key), write, {
      now,
      actor: actor.name,
      version: String(sequence),
    });
    if (applied.outcome === 'created' || applied.outcome === 'updated') {
      records.set(key, applied.record);
      entries.push({
        sequence,
        at: now,
        actor: actor.name,
        ...(actor.id !== undefined ? { actorId: actor.id } : {}),
        ...(actor.onBehalfOf !== undefined ? { onBehalfOf: actor.onBehalfOf } : {}),
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
  // An erased address with nothing applied keeps nothing, not even the event (that would store it again).
  const tombstoneOnly = state.erased !== undefined && records.size === 0 && pending.size === 0;
  if (tombstoneOnly && event !== undefined && !repeated) events.delete(event);
  const eventKept = event !== undefined && !repeated && !tombstoneOnly;
  const changed = entries.length > 0 || marksMoved || confirmed || eventKept;
  const next = { records, seen, pending, events, suppression: state.suppression };
  return { results, change: changed ? { next, entries } : undefined };
}
