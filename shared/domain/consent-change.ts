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
}

const COMPARED_FIELDS = ['value', 'source', 'reason', 'reasonDescription', 'status', 'owner'] as const;

function sameConsent(a: ConsentFields, b: ConsentFields): boolean {
  return COMPARED_FIELDS.every((field) => a[field] === b[field]);
}

/**
 * What one write does to the stored record: `stale` if captured before what is stored, `unchanged`
 * if nothing it says differs (this is what breaks two-way sync loops), else `created`/`updated`.
 */
export function applyConsentWrite(
  current: StoredConsent | undefined,
  write: ConsentWrite,
  context: ChangeContext,
): AppliedWrite {
  if (current && Date.parse(write.capturedAt) < Date.parse(current.capturedAt)) {
    return { outcome: 'stale', before: current, record: current };
  }
  if (current && sameConsent(current, write))
    return { outcome: 'unchanged', before: current, record: current };
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
  return { outcome: current ? 'updated' : 'created', before: current ?? null, record };
}
