import type { BlockReason, TrackingReason } from './evaluate';

/**
 * Why a message will not be sent or tracked, in words: the same words the consent center shows
 * (its codes.js holds a copy, checked equal by a test, since the page's modules have no build step).
 */
export const REASON_WORDS: Record<BlockReason | TrackingReason, string> = {
  'purpose-opted-out': 'Opted out of this purpose',
  'purpose-opt-in-required': 'This purpose needs an opt-in and there is none',
  'purpose-opt-in-expired': 'The opt-in to this purpose has expired',
  'topic-opted-out': 'Opted out of this topic',
  'topic-opt-in-required': 'This topic needs an opt-in and there is none',
  'topic-opt-in-expired': 'The opt-in to this topic has expired',
  'contact-do-not-email': 'The contact is marked “do not email”',
  'contact-do-not-bulk-email': 'The contact is marked “do not bulk email”',
  'contact-do-not-track': 'The contact is marked “do not track”',
  'unknown-profile': 'The profile does not exist',
  'unknown-purpose': 'The purpose does not exist',
  'unknown-topic': 'The topic does not exist',
  'purpose-not-sendable': 'Messages are not sent for the tracking purpose',
  'invalid-contact-point': 'The address is not valid',
  'tracking-opted-out': 'Opted out of tracking',
  'tracking-opt-in-required': 'Tracking needs an opt-in and there is none',
  'tracking-opt-in-expired': 'The opt-in to tracking has expired',
  erased: 'The person had this address erased and has not opted in again',
  'tracking-erased': 'The person had this address erased: nothing is tracked',
  'not-sent': 'Nothing is sent, so nothing is tracked',
  'suppressed-bounce': 'The address bounced: it is suppressed for a while',
  'suppressed-complaint': 'The person reported a message as spam: the address is suppressed for good',
  'suppressed-manual': 'The address was suppressed by hand',
  'quiet-time': 'A quiet time holds messages now',
  'frequency-capped': 'The frequency cap is reached for now',
};

/** A decision in one sentence, e.g. "Blocked: Opted out of this purpose (purpose-opted-out)." */
export function explainDecision(decision: {
  decision: 'sent' | 'blocked';
  tracked: boolean;
  reasons: readonly BlockReason[];
  trackingReasons: readonly TrackingReason[];
  retryAt?: string | undefined;
}): string {
  const words = (codes: readonly (BlockReason | TrackingReason)[]) =>
    codes.map((code) => `${REASON_WORDS[code]} (${code})`).join('; ');
  if (decision.decision === 'blocked') {
    const retry = decision.retryAt ? ` It may be sent from ${decision.retryAt}.` : '';
    return `Blocked: ${words(decision.reasons)}.${retry}`;
  }
  if (decision.tracked) return 'Sent, and its links and opens may be tracked.';
  return `Sent, not tracked: ${words(decision.trackingReasons)}.`;
}
