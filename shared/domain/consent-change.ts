import type { ConsentFields, StoredConsent } from './model';

export type WriteOutcome = 'created' | 'updated' | 'unchanged' | 'stale';

/** One validated, normalized consent write for a purpose or topic of one contact point. */
export interface ConsentWrite extends ConsentFields {
  purposeId: string;
  topicId?: string;
  capturedAt: string;
}

export interface ChangeContext {
  now: string;
  actor: string;
  version: string;
}

export interface AppliedWrite {
  outcome: WriteOutcome;
  before: StoredConsent | null;
  record: StoredConsent;
  /** The newest capture time seen for this record once the write is applied. */
  seen: string;
}

const COMPARED_FIELDS = ['value', 'source', 'reason', 'reasonDescription', 'status', 'owner'] as const;

function sameConsent(a: ConsentFields, b: ConsentFields): boolean {
  return COMPARED_FIELDS.every((field) => a[field] === b[field]);
}

const later = (a: string, b: string | undefined) =>
  b !== undefined && Date.parse(b) > Date.parse(a) ? b : a;

/**
 * What one write does to the stored record. `stale` if captured before the newest capture time
 * this record has seen, `unchanged` if nothing it says differs (this breaks two-way sync loops:
 * only the capture mark moves, so a late, older event stays stale whatever the arrival order),
 * else `created`/`updated`. The outcome therefore never depends on the order events arrive in.
 */
export function applyConsentWrite(
  current: StoredConsent | undefined,
  seen: string | undefined,
  write: ConsentWrite,
  context: ChangeContext,
): AppliedWrite {
  const newest = current ? later(current.capturedAt, seen) : undefined;
  if (current && newest !== undefined && Date.parse(write.capturedAt) < Date.parse(newest)) {
    return { outcome: 'stale', before: current, record: current, seen: newest };
  }
  if (current && sameConsent(current, write)) {
    return { outcome: 'unchanged', before: current, record: current, seen: later(write.capturedAt, newest) };
  }
  const record: StoredConsent = {
    purposeId: write.purposeId,
    ...(write.topicId !== undefined ? { topicId: write.topicId } : {}),
    value: write.value,
    source: write.source,
    reason: write.reason,
    ...(write.reasonDescription !== undefined ? { reasonDescription: write.reasonDescription } : {}),
    status: write.status,
    ...(write.owner !== undefined ? { owner: write.owner } : {}),
    capturedAt: write.capturedAt,
    createdAt: current?.createdAt ?? context.now,
    modifiedAt: context.now,
    modifiedBy: context.actor,
    version: context.version,
  };
  return {
    outcome: current ? 'updated' : 'created',
    before: current ?? null,
    record,
    seen: write.capturedAt,
  };
}

/**
 * The capture time a write counts with: its own, but never later than when the service received
 * it (clocks drift: a future time must never make a person's own later opt-out stale).
 */
export function effectiveCaptureTime(capturedAt: string | undefined, receivedAt: Date): string {
  if (capturedAt === undefined) return receivedAt.toISOString();
  const at = Date.parse(capturedAt);
  return new Date(Math.min(at, receivedAt.getTime())).toISOString();
}
