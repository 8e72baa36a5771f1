/*
 * The fixed text of the people's pages in English: ICU MessageFormat (FormatJS intl-messageformat).
 * `<b>` marks what is shown in bold; every {value} is escaped. Every other catalog has these keys.
 */
export const en = {
  consent: 'Consent',
  language: 'Language',
  messages: '{channel, select, email {emails} sms {text messages} voice {calls} other {messages}}',
  whatNamed: '{name} {channel, select, email {emails} sms {text messages} voice {calls} other {messages}}',
  whatAll:
    'all marketing {channel, select, email {emails} sms {text messages} voice {calls} other {messages}}',
  whatTracking:
    '{brand} seeing when you open its {channel, select, email {emails} sms {text messages} voice {calls} other {messages}} and follow their links',
  unsubscribeTitle: 'Unsubscribe',
  unsubscribeQuestion: 'Stop <b>{what}</b> from {brand} to <b>{address}</b>?',
  unsubscribeButton: 'Unsubscribe',
  chooseInstead: 'Choose what you receive instead',
  unsubscribedTitle: 'You are unsubscribed',
  unsubscribedDone: '{address} will no longer receive {what} from {brand}.',
  choiceRecordedFor: 'Your choice for {address} is recorded.',
  manageAll: 'Manage all your preferences',
  unaffected: '{what} from {brand} do not depend on this choice and will continue.',
  choiceRecorded: 'Your choice is recorded.',
  choiceStillRecorded: 'Your choice will still be recorded.',
  confirmTitle: 'Please confirm',
  confirmQuestion: 'Agree to <b>{what}</b> from {brand} at <b>{address}</b>?',
  confirmButton: 'Confirm',
  confirmIgnore: 'If you did not ask for this, ignore it: nothing changes unless you confirm.',
  confirmedTitle: 'Thank you',
  alreadyConfirmedTitle: 'Already confirmed',
  confirmedRepeated: 'You confirmed this on {date}. A choice you made after that still stands.',
  confirmedDone: 'You agreed to {what} from {brand} at {address}.',
  notValidTitle: 'This link is not valid',
  notValidText: 'The link may have expired or been mistyped. Use the newest message you received.',
  retryTitle: 'Please try again',
  retryText: 'We could not complete this just now. Nothing was changed; please try again in a minute.',
  failedTitle: 'Something went wrong',
  failedText: 'Nothing was changed. Please try again later.',
  refusedTitle: 'This request cannot be handled',
  refusedText: 'Nothing was changed.',
  preferencesTitle: 'Your preferences',
  preferencesIntro: 'Choose which {messages} {brand} sends to <b>{address}</b>.',
  preferencesOutdated:
    'Nothing was saved: the page was out of date. These are your choices now; change them and save again.',
  preferencesUnchanged: 'Nothing to change: your preferences are saved.',
  preferencesSaved:
    'Your preferences are saved. {count, plural, one {# choice changed.} other {# choices changed.}}',
  receive: 'Receive {what}',
  tracking: 'Tracking',
  trackingChoice:
    'Let {brand} see when you open its {channel, select, email {emails} sms {text messages} voice {calls} other {messages}} and follow their links',
  save: 'Save preferences',
};

export type MessageKey = keyof typeof en;
export type Catalog = Record<MessageKey, string>;
