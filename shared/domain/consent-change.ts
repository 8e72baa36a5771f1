import type { Confirmation, ConsentFields, StoredConsent } from './model';

export type WriteOutcome = 'created' | 'updated' | 'unchanged' | 'stale';

/** What a write may require of the record it writes: still at a version (`null`: none stored), or stored. */
export type Precondition = { version: string | null } | { exists: true };

/** One validated, normalized consent write for a purpose or topic of one contact point. */
export interface ConsentWrite extends Omit<ConsentFields, 'confirmation'> {
  purposeId: string;
  topicId?: string;
  capturedAt: string;
  /** The purpose's lifetime for new opt-ins, when it has one and the write names no `expiresAt`. */
  lifetimeDays?: number;
  /** Set by a double opt-in's confirmation only. */
  confirmation?: Confirmation;
  /**
   * The write edits what is said about the record (reason, description, status), not the consent:
   * when it keeps the stored value, the record keeps its capture time, expiry and proof (even an
   * expired opt-in's), so editing metadata never re-grants consent and never makes an opt-out
   * received before it (and committed after it) stale.
   */
  metadataOnly?: boolean;
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

const COMPARED_FIELDS = [
  'value',
  'source',
  'reason',
  'reasonDescription',
  'status',
  'owner',
  'expiresAt',
] as const;

function sameConsent(a: ConsentFields, b: ConsentFields): boolean {
  return (
    COMPARED_FIELDS.every((field) => a[field] === b[field]) &&
    a.confirmation?.requestedAt === b.confirmation?.requestedAt &&
    a.confirmation?.confirmedAt === b.confirmation?.confirmedAt
  );
}

/** Whether a record holds an opt-in that has expired at `at` (epoch ms). */
export function optInExpired(record: Pick<ConsentFields, 'value' | 'expiresAt'>, at: number): boolean {
  return record.value === 'optedIn' && record.expiresAt !== undefined && Date.parse(record.expiresAt) <= at;
}

const DAY_MS = 86_400_000;

/**
 * What a write's record says once applied to `current`. Only an opt-in expires: a written
 * `expiresAt` wins; else, when the purpose has a lifetime, the opt-in expires that long after its
 * capture (so a later opt-in renews it, and the same events give the same expiry in any arrival
 * order); else an opt-in that continues an unexpired one keeps its expiry, so a sync echoing the
 * record back without the field can never extend consent. The proof of a confirmation stays while
 * the opt-in continues.
 */
function resolvedFields(current: StoredConsent | undefined, write: ConsentWrite): ConsentFields {
  const continues =
    current !== undefined &&
    current.value === 'optedIn' &&
    !optInExpired(current, Date.parse(write.capturedAt));
  let expiresAt: string | undefined;
  if (write.value === 'optedIn') {
    if (write.expiresAt !== undefined) expiresAt = write.expiresAt;
    else if (write.lifetimeDays !== undefined) {
      expiresAt = new Date(Date.parse(write.capturedAt) + write.lifetimeDays * DAY_MS).toISOString();
    } else if (continues) expiresAt = current.expiresAt;
  }
  const confirmation =
    write.confirmation ?? (write.value === 'optedIn' && continues ? current.confirmation : undefined);
  return fieldsOf(write, expiresAt, confirmation);
}

function fieldsOf(
  write: ConsentWrite,
  expiresAt: string | undefined,
  confirmation: Confirmation | undefined,
): ConsentFields {
  return {
    value: write.value,
    source: write.source,
    reason: write.reason,
    ...(write.reasonDescription !== undefined ? { reasonDescription: write.reasonDescription } : {}),
    status: write.status,
    ...(write.owner !== undefined ? { owner: write.owner } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(confirmation !== undefined ? { confirmation } : {}),
  };
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
  if (write.metadataOnly && current !== undefined && current.value === write.value) {
    return applyMetadataEdit(current, newest!, write, context);
  }
  if (current && newest !== undefined && Date.parse(write.capturedAt) < Date.parse(newest)) {
    return { outcome: 'stale', before: current, record: current, seen: newest };
  }
  const fields = resolvedFields(current, write);
  if (current && sameConsent(current, fields)) {
    return { outcome: 'unchanged', before: current, record: current, seen: later(write.capturedAt, newest) };
  }
  const record: StoredConsent = {
    purposeId: write.purposeId,
    ...(write.topicId !== undefined ? { topicId: write.topicId } : {}),
    ...fields,
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
 * A metadata edit: what is said about the consent changes, the consent does not. No capture time
 * of its own (it is never stale, and never makes anything else stale), and the record keeps its
 * capture time, expiry and proof.
 */
function applyMetadataEdit(
  current: StoredConsent,
  newest: string,
  write: ConsentWrite,
  context: ChangeContext,
): AppliedWrite {
  const fields = fieldsOf(write, current.expiresAt, current.confirmation);
  if (sameConsent(current, fields))
    return { outcome: 'unchanged', before: current, record: current, seen: newest };
  const record: StoredConsent = {
    purposeId: write.purposeId,
    ...(write.topicId !== undefined ? { topicId: write.topicId } : {}),
    ...fields,
    capturedAt: current.capturedAt,
    createdAt: current.createdAt,
    modifiedAt: context.now,
    modifiedBy: context.actor,
    version: context.version,
  };
  return { outcome: 'updated', before: current, record, seen: newest };
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
