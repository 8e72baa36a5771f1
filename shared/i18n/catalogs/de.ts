import type { Catalog } from './en';

const m = '{channel, select, email {E-Mails} sms {SMS} voice {Anrufe} other {Nachrichten}}';
export const de: Catalog = {
  consent: 'Einwilligung',
  language: 'Sprache',
  messages: m,
  whatNamed: `${m} „{name}“`,
  whatAll: `alle Marketing-${m}`,
  whatTracking: `dass {brand} sieht, wann Sie seine ${m} öffnen und ihren Links folgen`,
  unsubscribeTitle: 'Abmelden',
  unsubscribeQuestion: '<b>{what}</b> von {brand} an <b>{address}</b> abbestellen?',
  unsubscribeButton: 'Abmelden',
  chooseInstead: 'Stattdessen auswählen, was Sie erhalten',
  unsubscribedTitle: 'Sie sind abgemeldet',
  unsubscribedDone: '{address} erhält keine {what} mehr von {brand}.',
  choiceRecordedFor: 'Ihre Auswahl für {address} ist gespeichert.',
  manageAll: 'Alle Einstellungen verwalten',
  unaffected: '{what} von {brand} hängen nicht von dieser Auswahl ab und werden weiter gesendet.',
  choiceRecorded: 'Ihre Auswahl ist gespeichert.',
  choiceStillRecorded: 'Ihre Auswahl wird trotzdem gespeichert.',
  confirmTitle: 'Bitte bestätigen',
  confirmQuestion: '<b>{what}</b> von {brand} an <b>{address}</b> zustimmen?',
  confirmButton: 'Bestätigen',
  confirmIgnore:
    'Wenn Sie das nicht angefordert haben, ignorieren Sie es: Ohne Bestätigung ändert sich nichts.',
  confirmedTitle: 'Vielen Dank',
  alreadyConfirmedTitle: 'Bereits bestätigt',
  confirmedRepeated: 'Sie haben dies am {date} bestätigt. Eine spätere Auswahl bleibt gültig.',
  confirmedDone: 'Sie haben {what} von {brand} an {address} zugestimmt.',
  notValidTitle: 'Dieser Link ist ungültig',
  notValidText:
    'Der Link ist vielleicht abgelaufen oder falsch eingegeben. Verwenden Sie die neueste Nachricht.',
  retryTitle: 'Bitte versuchen Sie es erneut',
  retryText:
    'Das hat gerade nicht geklappt. Es wurde nichts geändert; bitte versuchen Sie es in einer Minute erneut.',
  failedTitle: 'Etwas ist schiefgelaufen',
  failedText: 'Es wurde nichts geändert. Bitte versuchen Sie es später erneut.',
  refusedTitle: 'Diese Anfrage kann nicht bearbeitet werden',
  refusedText: 'Es wurde nichts geändert.',
  preferencesTitle: 'Ihre Einstellungen',
  preferencesIntro: 'Wählen Sie, welche {messages} {brand} an <b>{address}</b> sendet.',
  preferencesOutdated:
    'Nichts gespeichert: Die Seite war veraltet. Dies ist Ihre aktuelle Auswahl; ändern Sie sie und speichern Sie erneut.',
  preferencesUnchanged: 'Nichts zu ändern: Ihre Einstellungen sind gespeichert.',
  preferencesSaved:
    'Ihre Einstellungen sind gespeichert. {count, plural, one {# Auswahl geändert.} other {# Auswahlen geändert.}}',
  receive: '{what} erhalten',
  tracking: 'Tracking',
  trackingChoice: `{brand} sehen lassen, wann Sie seine ${m} öffnen und ihren Links folgen`,
  save: 'Einstellungen speichern',
};
