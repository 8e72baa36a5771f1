// @ts-check
/*
 * The service's code lists, as the page offers and words them. A unit test holds them equal to the
 * domain's own lists (shared/domain), so they cannot drift.
 */
export const CHANNELS = ['email', 'sms', 'voice', 'custom'];
export const VALUES = ['optedIn', 'optedOut', 'notSet'];
export const STATUSES = ['active', 'inactive'];
export const SOURCES = [
  'internal',
  'preferencePage',
  'textMessage',
  'loaded',
  'preferenceCenter',
  'form',
  'subscriptionCenter',
  'listUnsubscribe',
];
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
];

/** Why a message will not be sent or tracked, in words; the code is shown beside them. */
/** @type {Record<string, string>} */
export const WHY = {
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

/** A code in words: `optOutTooFrequent` is "Opt out too frequent". */
export const words = (/** @type {string | null | undefined} */ code) =>
  code == null
    ? '—'
    : code === 'sms'
      ? 'SMS'
      : code.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`).replace(/^./, (c) => c.toUpperCase());
