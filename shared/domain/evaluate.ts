import { trackingPurposeOf, type Catalog } from './catalog';
import {
  consentKey,
  enforcementOn,
  type Audience,
  type Channel,
  type ConsentValue,
  type ContactFlags,
  type EnforcementModel,
  type Profile,
  type StoredConsent,
} from './model';
import type { SendLog } from './frequency-caps';
import { holdOf } from './send-hold';
import type { SuppressionReason } from './suppression';

export const BLOCK_REASONS = [
  'purpose-opted-out',
  'purpose-opt-in-required',
  'topic-opted-out',
  'topic-opt-in-required',
  'contact-do-not-email',
  'contact-do-not-bulk-email',
  'unknown-profile',
  'unknown-purpose',
  'unknown-topic',
  'purpose-not-sendable',
  'invalid-contact-point',
  'purpose-opt-in-expired',
  'topic-opt-in-expired',
  'erased',
  'suppressed-bounce',
  'suppressed-complaint',
  'suppressed-manual',
  'quiet-time',
  'frequency-capped',
] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

export const TRACKING_REASONS = [
  'tracking-opted-out',
  'tracking-opt-in-required',
  'tracking-opt-in-expired',
  'contact-do-not-track',
  'tracking-erased',
  'not-sent',
] as const;
export type TrackingReason = (typeof TRACKING_REASONS)[number];

export interface MessageToEvaluate {
  channel: Channel;
  profileId: string;
  purposeId: string;
  topicId?: string;
  audience: Audience;
  contact?: ContactFlags;
  /** The recipient's IANA time zone, for quiet times (else the profile's). */
  timeZone?: string | undefined;
}

/** What the evaluation reads of a stored record. */
export type EvaluatedRecord = Pick<StoredConsent, 'value'> &
  Partial<Pick<StoredConsent, 'expiresAt' | 'version'>>;

/**
 * The stored consent of the message's contact point, by `consentKey`; `null` when the address is
 * unusable (so nothing could be read).
 */
export type ContactPointConsent = ReadonlyMap<string, EvaluatedRecord> | null;

/** What is known of the contact point beside its records. */
export interface ContactFacts {
  /**
   * The person had the address erased: commercial messages are blocked and nothing is tracked,
   * except where the person opted in again afterwards (only such records survive an erasure).
   */
  erased?: boolean;
  /** The address is suppressed on its channel (deliverability): every message is blocked. */
  suppressed?: SuppressionReason;
  /**
   * The send is being decided now (a check, contactability): quiet times and frequency caps apply,
   * counting these sends. Absent for what only shows consent (the pages' prefills).
   */
  schedule?: { sends: SendLog };
}

/** What a decision relied on: the profile's version and the versions of the records it read. */
export interface Evidence {
  profileVersion: number | null;
  records: { purpose: string | null; topic?: string | null; tracking: string | null };
}

export interface Evaluation {
  decision: 'sent' | 'blocked';
  tracked: boolean;
  reasons: BlockReason[];
  trackingReasons: TrackingReason[];
  consent: { purpose: ConsentValue | null; topic?: ConsentValue | null; tracking: ConsentValue | null };
  enforcement: { purpose: EnforcementModel | null; tracking: EnforcementModel | null };
  evidence: Evidence;
  /** Blocked only by a quiet time or a cap: the first moment it may be sent (RFC 3339). */
  retryAt?: string;
}

export interface TrackingEvaluation {
  reasons: TrackingReason[];
  consent: ConsentValue | null;
  enforcement: EnforcementModel | null;
  version: string | null;
}

type Outcome = 'pass' | 'optedOut' | 'optInRequired' | 'optInExpired';

/** A stored value as the evaluation counts it at `at`: an expired opt-in is `expired` (not set). */
type Counted = ConsentValue | 'expired';

/** The seed table: restrictive needs an opt-in, nonRestrictive needs no opt-out, disabled passes. */
export function consentOutcome(model: EnforcementModel, value: Counted): Outcome {
  if (model === 'disabled') return 'pass';
  if (value === 'optedOut') return 'optedOut';
  if (model === 'restrictive' && value === 'expired') return 'optInExpired';
  if (model === 'restrictive' && value !== 'optedIn') return 'optInRequired';
  return 'pass';
}

function counted(record: EvaluatedRecord | undefined, at: number): Counted {
  if (!record) return 'notSet';
  if (record.value === 'optedIn' && record.expiresAt !== undefined && Date.parse(record.expiresAt) <= at)
    return 'expired';
  return record.value;
}

/** What a decision reports of a value: an expired opt-in counts as not set. */
const reported = (value: Counted): ConsentValue => (value === 'expired' ? 'notSet' : value);

/**
 * The send and tracking decision for one message: pure, no I/O. Every check that fails is named.
 * `/api/check`, `/api/contactability` and the preference/subscription center prefills all call it.
 * `at` is the time it is decided at (epoch ms): opt-ins that expired by then count as not set;
 * without it, nothing counts as expired.
 */
export function evaluateMessage(
  message: MessageToEvaluate,
  catalog: Catalog,
  consent: ContactPointConsent,
  at: number = Number.NEGATIVE_INFINITY,
  facts: ContactFacts = {},
): Evaluation {
  const reasons: BlockReason[] = [];
  const valueOf = (key: string): Counted | null => (consent === null ? null : counted(consent.get(key), at));
  const versionOf = (key: string): string | null => consent?.get(key)?.version ?? null;

  const profile = catalog.profiles.get(message.profileId);
  const purposeEntry = catalog.purposes.get(message.purposeId);
  const purpose = profile && purposeEntry?.profile.id === profile.id ? purposeEntry.purpose : undefined;
  const topicEntry = message.topicId === undefined ? undefined : catalog.topics.get(message.topicId);
  const topic = purpose && topicEntry?.purpose.id === purpose.id ? topicEntry.topic : undefined;

  if (!profile) reasons.push('unknown-profile');
  else if (!purpose) reasons.push('unknown-purpose');
  else if (message.topicId !== undefined && !topic) reasons.push('unknown-topic');
  if (purpose?.type === 'tracking') reasons.push('purpose-not-sendable');
  if (consent === null) reasons.push('invalid-contact-point');

  const purposeModel = purpose ? enforcementOn(purpose.enforcement, message.channel) : null;
  const purposeValue = purpose ? valueOf(consentKey(purpose.id)) : null;
  const topicValue = topic ? valueOf(consentKey(message.purposeId, topic.id)) : null;

  // Every failing check is named: an unknown topic does not hide the purpose's own reasons.
  if (purpose?.type !== 'tracking' && purposeModel !== null && purposeValue !== null) {
    const purposeOutcome = consentOutcome(purposeModel, purposeValue);
    if (purposeOutcome === 'optedOut') reasons.push('purpose-opted-out');
    if (purposeOutcome === 'optInRequired') reasons.push('purpose-opt-in-required');
    if (purposeOutcome === 'optInExpired') reasons.push('purpose-opt-in-expired');
    // A topic is only consulted once its purpose passes: a purpose opt-out makes the topic irrelevant.
    if (purposeOutcome === 'pass' && topicValue !== null) {
      const topicOutcome = consentOutcome(purposeModel, topicValue);
      if (topicOutcome === 'optedOut') reasons.push('topic-opted-out');
      if (topicOutcome === 'optInRequired') reasons.push('topic-opt-in-required');
      if (topicOutcome === 'optInExpired') reasons.push('topic-opt-in-expired');
    }
  }

  // An erasure blocks every commercial purpose whatever its model, unless the person opted into this
  // purpose or topic again after it.
  if (facts.erased && purpose?.type === 'commercial') {
    const lifted = purposeValue === 'optedIn' || topicValue === 'optedIn';
    if (!lifted) reasons.push('erased');
  }

  const contactChecks = message.audience === 'contact' && catalog.settings.checkContactConsent;
  if (contactChecks && message.channel === 'email' && purpose) {
    if (purpose.type === 'commercial' || purpose.type === 'transactional') {
      if (message.contact?.doNotEmail === true) reasons.push('contact-do-not-email');
    }
    if (purpose.type === 'commercial' && message.contact?.doNotBulkEmail === true) {
      reasons.push('contact-do-not-bulk-email');
    }
  }

  if (facts.suppressed && purpose && purpose.type !== 'tracking') reasons.push(facts.suppressed);

  // Quiet times and caps last: `retryAt` only when nothing else stands in the way.
  let retryAt: string | undefined;
  if (facts.schedule && profile && purpose && consent !== null) {
    const hold = holdOf(
      profile,
      { channel: message.channel, purposeType: purpose.type, timeZone: message.timeZone },
      facts.schedule.sends,
      at,
    );
    if (hold.reasons.length > 0) {
      if (reasons.length === 0) retryAt = hold.retryAt;
      reasons.push(...hold.reasons);
    }
  }

  const tracking = evaluateTracking(message, profile, catalog, consent, at, facts);
  const trackingReasons: TrackingReason[] = [...tracking.reasons];

  const sent = reasons.length === 0;
  if (!sent) trackingReasons.push('not-sent');
  return {
    decision: sent ? 'sent' : 'blocked',
    tracked: sent && trackingReasons.length === 0,
    reasons,
    trackingReasons,
    consent: {
      purpose: purposeValue === null ? null : reported(purposeValue),
      ...(message.topicId !== undefined ? { topic: topicValue === null ? null : reported(topicValue) } : {}),
      tracking: tracking.consent,
    },
    enforcement: { purpose: purposeModel, tracking: tracking.enforcement },
    evidence: {
      profileVersion: profile ? (profile.version ?? 0) : null,
      records: {
        purpose: purpose ? versionOf(consentKey(purpose.id)) : null,
        ...(message.topicId !== undefined
          ? { topic: topic ? versionOf(consentKey(message.purposeId, topic.id)) : null }
          : {}),
        tracking: tracking.version,
      },
    },
    ...(retryAt !== undefined ? { retryAt } : {}),
  };
}

/** Whether links and opens of a message to this contact point may be tracked, before the send decision. */
export function evaluateTracking(
  message: Pick<MessageToEvaluate, 'channel' | 'audience' | 'contact'>,
  profile: Profile | undefined,
  catalog: Pick<Catalog, 'settings'>,
  consent: ContactPointConsent,
  at: number = Number.NEGATIVE_INFINITY,
  facts: ContactFacts = {},
): TrackingEvaluation {
  const reasons: TrackingReason[] = [];
  const trackingPurpose = profile ? trackingPurposeOf(profile) : undefined;
  const enforcement = trackingPurpose ? enforcementOn(trackingPurpose.enforcement, message.channel) : null;
  const record =
    trackingPurpose && consent !== null ? consent.get(consentKey(trackingPurpose.id)) : undefined;
  const value = trackingPurpose && consent !== null ? counted(record, at) : null;
  if (enforcement !== null && value !== null) {
    const outcome = consentOutcome(enforcement, value);
    if (outcome === 'optedOut') reasons.push('tracking-opted-out');
    if (outcome === 'optInRequired') reasons.push('tracking-opt-in-required');
    if (outcome === 'optInExpired') reasons.push('tracking-opt-in-expired');
  }
  if (facts.erased && value !== 'optedIn') reasons.push('tracking-erased');
  const contactChecks = message.audience === 'contact' && catalog.settings.checkContactConsent;
  if (contactChecks && message.contact?.doNotTrack === true) reasons.push('contact-do-not-track');
  return {
    reasons,
    consent: value === null ? null : reported(value),
    enforcement,
    version: record?.version ?? null,
  };
}
