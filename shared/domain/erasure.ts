import type { ConsentWrite } from './consent-change';
import type { Source, StoredConsent } from './model';

/**
 * A person's erasure of one contact point: what the tombstone keeps once everything else about the
 * address is gone. No address and no record content: only who erased it, when and why.
 */
export interface Erasure {
  /** The erasure's id: its commit in the change feed and its audit entry. */
  id: string;
  at: string;
  actor: string;
  actorId?: string;
  onBehalfOf?: string;
  reason?: string;
  /** The sequence of the erasure's own history row: every row before it was erased. */
  sequence: number;
}

/**
 * Sources through which the person gives consent themselves: an opt-in through one of them,
 * captured after the erasure, lifts it for its purpose or topic.
 */
export const PERSONAL_SOURCES: ReadonlySet<Source> = new Set<Source>([
  'form',
  'preferencePage',
  'preferenceCenter',
  'subscriptionCenter',
  'textMessage',
]);

/**
 * Whether a write may be applied to an erased contact point. Opt-outs always are. A record the person
 * opted into after the erasure is theirs again: later writes of it follow the usual rules. Otherwise
 * only an opt-in the person gives after the erasure is applied: a double opt-in confirmation, or an
 * opt-in captured after the erasure through one of the person's own sources. Everything else (a
 * load, an internal sync, a capture time before the erasure) would re-subscribe an erased address:
 * it is `suppressed`, nothing written.
 */
export function writeAllowedAfterErasure(
  erasure: Pick<Erasure, 'at'>,
  write: Pick<ConsentWrite, 'value' | 'source' | 'capturedAt' | 'confirmation'>,
  current: Pick<StoredConsent, 'value'> | undefined,
  now: string,
): boolean {
  if (write.value === 'optedOut') return true;
  if (current?.value === 'optedIn') return true;
  if (write.value !== 'optedIn') return false;
  if (write.confirmation !== undefined) return true;
  // A capture time later than the receipt counts as the receipt (a drifting clock elsewhere).
  const captured = Math.min(Date.parse(write.capturedAt), Date.parse(now));
  return PERSONAL_SOURCES.has(write.source) && captured > Date.parse(erasure.at);
}
