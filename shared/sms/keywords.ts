/** What a text message keyword does to consent (DOMAIN.md, Text message keywords). */
export type KeywordAction = 'optOut' | 'optIn' | 'help';

export const KEYWORDS = {
  STOP: 'optOut',
  STOPALL: 'optOut',
  UNSUBSCRIBE: 'optOut',
  CANCEL: 'optOut',
  END: 'optOut',
  QUIT: 'optOut',
  REVOKE: 'optOut',
  OPTOUT: 'optOut',
  START: 'optIn',
  YES: 'optIn',
  UNSTOP: 'optIn',
  HELP: 'help',
  INFO: 'help',
} as const satisfies Record<string, KeywordAction>;

export type Keyword = keyof typeof KEYWORDS;

export interface KeywordMatch {
  /** The keyword in its canonical spelling, whatever the sender typed. */
  keyword: Keyword;
  action: KeywordAction;
}

const isKeyword = (word: string): word is Keyword => Object.hasOwn(KEYWORDS, word);

/**
 * The keyword a whole message is, or `undefined`. The message is trimmed of every Unicode space
 * (phones append newlines, no-break and ideographic spaces) and compared ignoring case; NFKC first,
 * so a keyboard in full-width mode (`ＳＴＯＰ`) still counts. Anything else around or inside the word
 * (`STOP!`, `stop please`, `S T O P`, a zero-width space) makes it an ordinary message, as carriers
 * match keywords.
 */
export function matchKeyword(message: string): KeywordMatch | undefined {
  const word = message.normalize('NFKC').trim();
  // ASCII letters only: no locale-dependent case mapping (a dotless `ı` never becomes `I`).
  if (!/^[A-Za-z]{1,16}$/.test(word)) return undefined;
  const keyword = word.toUpperCase();
  return isKeyword(keyword) ? { keyword, action: KEYWORDS[keyword] } : undefined;
}

const OPT_OUT_TYPES = ['STOP', 'START', 'HELP'] as const satisfies readonly Keyword[];

/**
 * The keyword a text stands for: Twilio's `OptOutType` (Advanced Opt-Out, which also knows custom
 * and other-language keywords) decides when it is one Twilio documents; otherwise the message.
 */
export function resolveKeyword(message: string, optOutType?: string): KeywordMatch | undefined {
  const type = optOutType?.trim().toUpperCase();
  const declared = OPT_OUT_TYPES.find((t) => t === type);
  return declared ? { keyword: declared, action: KEYWORDS[declared] } : matchKeyword(message);
}
