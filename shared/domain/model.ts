import type { FrequencyCaps } from './frequency-caps';
import type { QuietTimes } from './quiet-times';
export const CHANNELS = ['email', 'sms', 'voice', 'custom'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CONSENT_VALUES = ['optedIn', 'optedOut', 'notSet'] as const;
export type ConsentValue = (typeof CONSENT_VALUES)[number];

export const ENFORCEMENT_MODELS = ['restrictive', 'nonRestrictive', 'disabled'] as const;
export type EnforcementModel = (typeof ENFORCEMENT_MODELS)[number];

export const PURPOSE_TYPES = ['commercial', 'transactional', 'tracking'] as const;
export type PurposeType = (typeof PURPOSE_TYPES)[number];

export const SOURCES = [
  'internal',
  'preferencePage',
  'textMessage',
  'loaded',
  'preferenceCenter',
  'form',
  'subscriptionCenter',
  'listUnsubscribe',
] as const;
export type Source = (typeof SOURCES)[number];

export const REASONS = [
  'noReasons',
  'optInAdvertisement',
  'optInLandingPage',
  'optInEvents',
  'optOutContentIrrelevant',
  'optOutTooFrequent',
  'optOutDidNotRecallSigningUp',
  'optOutPrivacyConcerns',
  'optOutOneClickUnsubscribe',
] as const;
export type Reason = (typeof REASONS)[number];

export const STATUSES = ['active', 'inactive'] as const;
export type Status = (typeof STATUSES)[number];

export const AUDIENCES = ['contact', 'lead', 'profile'] as const;
export type Audience = (typeof AUDIENCES)[number];

export type Enforcement = EnforcementModel | Record<Channel, EnforcementModel>;

export interface Topic {
  id: string;
  name: string;
  /** What it is about, shown on the preference page and in the consent center. */
  description?: string;
  /** The GUID Dataverse clients know it by, if it has one of its own. */
  dataverseId?: string;
}

export interface Purpose {
  id: string;
  name: string;
  description?: string;
  type: PurposeType;
  enforcement: Enforcement;
  topics?: Topic[];
  dataverseId?: string;
  /** New opt-ins to this purpose (and its topics) expire this many days after their capture. */
  consentLifetimeDays?: number;
}

export interface Profile {
  id: string;
  name: string;
  companyAddress?: string;
  preferenceCenterUrl?: string;
  /** The GUID Customer Insights - Journeys knows it by (its compliance profile). */
  dataverseId?: string;
  purposes: Purpose[];
  /** The E.164 numbers its text messages are sent from (unique across profiles). */
  smsNumbers?: string[];
  /** Hours and dates when its messages are held. */
  quietTimes?: QuietTimes;
  /** How many commercial messages one contact point gets per channel and rolling window. */
  frequencyCaps?: FrequencyCaps;
  /** BCP 47; the language of its names and of its pages unless another is asked for (default en). */
  defaultLanguage?: string;
  /** Its names, address, descriptions and text replies in other languages, by BCP 47 tag. */
  translations?: Record<string, ProfileTranslation>;
  /** Replies to text keywords (Twilio answers the keyword with them). */
  sms?: SmsReplies;
  /** Counts the profile's changes: what a decision's evidence names. */
  version?: number;
}

export interface SmsReplies {
  helpText?: string;
  stopText?: string;
  startText?: string;
}

export interface ProfileTranslation {
  name?: string;
  companyAddress?: string;
  purposes?: Record<string, { name: string; description?: string }>;
  topics?: Record<string, { name: string; description?: string }>;
  sms?: SmsReplies;
}

export interface Settings {
  checkContactConsent: boolean;
}

export const DEFAULT_SETTINGS: Settings = { checkContactConsent: true };

/** The proof of a double opt-in: when it was asked for, and when the person confirmed it. */
export interface Confirmation {
  requestedAt: string;
  confirmedAt: string;
}

/**
 * A double opt-in waiting for the person: what the confirmation will write, and until when it can.
 * Kept with its contact point; a confirmed one stays (with `confirmedAt`) until it lapses, so a
 * repeated confirmation is recognized.
 */
export interface PendingConfirmation {
  profileId: string;
  purposeId: string;
  topicId?: string;
  source: Source;
  reason: Reason;
  reasonDescription?: string;
  /** The opt-in's own expiry once confirmed. */
  expiresAt?: string;
  requestedAt: string;
  lapsesAt: string;
  confirmedAt?: string;
}

/** What a consent record says, as a writer gives it (after defaults). */
export interface ConsentFields {
  value: ConsentValue;
  source: Source;
  reason: Reason;
  reasonDescription?: string;
  status: Status;
  owner?: string;
  /** Only an opt-in expires: past this it counts as `notSet`. */
  expiresAt?: string;
  confirmation?: Confirmation;
}

/** A stored consent record of one contact point, keyed by its purpose or topic. */
export interface StoredConsent extends ConsentFields {
  purposeId: string;
  topicId?: string;
  capturedAt: string;
  createdAt: string;
  modifiedAt: string;
  modifiedBy: string;
  version: string;
}

export interface ContactFlags {
  doNotEmail?: boolean;
  doNotBulkEmail?: boolean;
  doNotTrack?: boolean;
}

/** The key of a consent record inside its contact point: a purpose or one of its topics. */
export function consentKey(purposeId: string, topicId?: string): string {
  return topicId === undefined ? `p:${purposeId}` : `t:${topicId}`;
}

export function enforcementOn(enforcement: Enforcement, channel: Channel): EnforcementModel {
  return typeof enforcement === 'string' ? enforcement : enforcement[channel];
}
