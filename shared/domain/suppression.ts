/*
 * Suppression (DOMAIN.md, "Suppression"): deliverability, not consent. Addresses that bounce or
 * complain are not sent to on their channel, whatever the purpose and its enforcement. Pure: the
 * state of one contact point and the events that move it.
 */

export const SUPPRESSION_KINDS = ['hardBounce', 'softBounce', 'complaint', 'manual'] as const;
export type SuppressionKind = (typeof SUPPRESSION_KINDS)[number];

/** What can happen to an address on its way to delivery: a suppression, or a delivery (which ends a soft streak). */
export type DeliveryEventKind = SuppressionKind | 'delivered';

/** What the events of a contact point record: delivery events, and suppressions lifted. */
export type SuppressionEventKind = DeliveryEventKind | 'lifted';

export interface DeliveryEvent {
  kind: SuppressionEventKind;
  /** When it happened (ISO); a time later than receipt counts as receipt. */
  at: string;
  detail?: string;
  /** Where it came from: `api`, `acs-email`, `sendgrid`. */
  source: string;
}

export interface SuppressionState {
  /** Hard bounces so far (five soft ones in a row count as one): how long the next one suppresses. */
  hardBounces: number;
  /** Soft bounces since the last delivery or hard bounce. */
  softStreak: number;
  /** The bounce that suppresses (ISO), and until when. */
  bounceAt?: string;
  bounceUntil?: string;
  complaintAt?: string;
  manualAt?: string;
  /** The newest events, oldest first (what GET shows). */
  events: DeliveryEvent[];
}

/** Why a message to a suppressed address is blocked. */
export type SuppressionReason = 'suppressed-bounce' | 'suppressed-complaint' | 'suppressed-manual';

const DAY_MS = 86_400_000;
/** A hard bounce suppresses 7 days the first time, then 14, 30, and 180 from the fourth on. */
const BOUNCE_DAYS = [7, 14, 30, 180] as const;
/** Soft bounces in a row (no delivery between) that count as a hard bounce. */
export const SOFT_BOUNCES_AS_HARD = 5;
/** Events kept per contact point. */
export const EVENTS_KEPT = 50;

export function emptySuppression(): SuppressionState {
  return { hardBounces: 0, softStreak: 0, events: [] };
}

/** The state after one event; a bounce is counted from its own time, a suppression never shortened. */
export function applyDeliveryEvent(state: SuppressionState, event: DeliveryEvent): SuppressionState {
  const next: SuppressionState = { ...state, events: [...state.events, event].slice(-EVENTS_KEPT) };
  const bounce = () => {
    next.hardBounces = state.hardBounces + 1;
    next.softStreak = 0;
    const days = BOUNCE_DAYS[Math.min(next.hardBounces, BOUNCE_DAYS.length) - 1]!;
    const until = Date.parse(event.at) + days * DAY_MS;
    if (state.bounceUntil === undefined || until > Date.parse(state.bounceUntil)) {
      next.bounceAt = event.at;
      next.bounceUntil = new Date(until).toISOString();
    }
  };
  switch (event.kind) {
    case 'hardBounce':
      bounce();
      break;
    case 'softBounce':
      next.softStreak = state.softStreak + 1;
      if (next.softStreak >= SOFT_BOUNCES_AS_HARD) bounce();
      break;
    case 'delivered':
      next.softStreak = 0;
      break;
    case 'complaint':
      next.complaintAt ??= event.at;
      break;
    case 'manual':
      next.manualAt ??= event.at;
      break;
    case 'lifted':
      break;
  }
  return next;
}

/** What suppresses the address at `at` (epoch ms): the reason, and until when (absent: until lifted or forever). */
export function activeSuppression(
  state: SuppressionState | undefined,
  at: number,
): { reason: SuppressionReason; kind: SuppressionKind; until?: string } | undefined {
  if (!state) return undefined;
  if (state.complaintAt !== undefined && Date.parse(state.complaintAt) <= at)
    return { reason: 'suppressed-complaint', kind: 'complaint' };
  if (state.manualAt !== undefined && Date.parse(state.manualAt) <= at)
    return { reason: 'suppressed-manual', kind: 'manual' };
  const { bounceAt, bounceUntil } = state;
  if (bounceAt !== undefined && bounceUntil !== undefined) {
    if (Date.parse(bounceAt) <= at && Date.parse(bounceUntil) > at)
      return { reason: 'suppressed-bounce', kind: 'hardBounce', until: bounceUntil };
  }
  return undefined;
}

/**
 * Lifts a bounce or manual suppression (the bounce count stays: the next bounce lasts longer). A
 * complaint cannot be lifted by the sender: `complaint` is answered and nothing changes.
 */
export function liftSuppression(
  state: SuppressionState,
  event: Omit<DeliveryEvent, 'kind'>,
): SuppressionState | 'complaint' {
  if (state.complaintAt !== undefined) return 'complaint';
  const { manualAt: _manual, bounceAt: _at, bounceUntil: _until, ...rest } = state;
  return {
    ...rest,
    softStreak: 0,
    events: [...state.events, { ...event, kind: 'lifted' as const }].slice(-EVENTS_KEPT),
  };
}
