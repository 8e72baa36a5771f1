import type {
  Channel,
  ConsentValue,
  EnforcementModel,
  PurposeType,
  Reason,
  Source,
  Status,
} from '../domain/model';

/** Option-set codes of msdynmkt_contactpointconsent4 and its lookups (DOMAIN.md). */
export const CHANNEL_CODES: Record<Channel, number> = {
  email: 534120000,
  sms: 534120001,
  custom: 534120002,
  voice: 534120003,
};

export const VALUE_CODES: Record<ConsentValue, number> = {
  notSet: 534120000,
  optedIn: 534120001,
  optedOut: 534120002,
};

export const CONSENT_TYPE_CODES = { purpose: 534120000, topic: 534120001 } as const;

export const SOURCE_CODES: Record<Source, number> = {
  internal: 534120000,
  preferencePage: 534120001,
  textMessage: 534120002,
  loaded: 534120003,
  preferenceCenter: 534120004,
  form: 534120005,
  subscriptionCenter: 534120006,
  listUnsubscribe: 534120007,
};

export const REASON_CODES: Record<Reason, number> = {
  noReasons: 534119999,
  optInAdvertisement: 534120000,
  optInLandingPage: 534120001,
  optInEvents: 534120002,
  optOutContentIrrelevant: 534120003,
  optOutTooFrequent: 534120004,
  optOutDidNotRecallSigningUp: 534120005,
  optOutPrivacyConcerns: 534120006,
  optOutOneClickUnsubscribe: 534120007,
};

export const PURPOSE_TYPE_CODES: Record<PurposeType, number> = {
  commercial: 534120000,
  transactional: 534120001,
  tracking: 534120002,
};

export const ENFORCEMENT_CODES: Record<EnforcementModel, number> = {
  restrictive: 534120000,
  nonRestrictive: 534120001,
  disabled: 534120002,
};

/** statecode 0/1 and statuscode 1/2 of an active or inactive row. */
export const STATE_CODES: Record<Status, number> = { active: 0, inactive: 1 };
export const STATUS_CODES: Record<Status, number> = { active: 1, inactive: 2 };

/** The name a code stands for in `codes`, or undefined. */
export function nameOf<T extends string>(codes: Record<T, number>, code: number): T | undefined {
  return (Object.keys(codes) as T[]).find((name) => codes[name] === code);
}
