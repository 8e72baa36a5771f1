/** What a text message keyword does to consent (DOMAIN.md, Text message keywords). */
export type KeywordAction = 'optOut' | 'optIn' | 'help';

interface KeywordSpec {
  action: KeywordAction;
  /** The language the keyword is a word of, when not English: a reply is made in it if it can be. */
  language?: string;
}

const optOut = (language?: string): KeywordSpec => ({ action: 'optOut', ...(language ? { language } : {}) });
const optIn = (language?: string): KeywordSpec => ({ action: 'optIn', ...(language ? { language } : {}) });
const help = (language?: string): KeywordSpec => ({ action: 'help', ...(language ? { language } : {}) });

/** Every keyword in its canonical spelling; matched after NFKC and case folding, on the whole text. */
export const KEYWORDS = {
  STOP: optOut(),
  STOPALL: optOut(),
  UNSUBSCRIBE: optOut(),
  CANCEL: optOut(),
  END: optOut(),
  QUIT: optOut(),
  REVOKE: optOut(),
  OPTOUT: optOut(),
  'OPT OUT': optOut(),
  'OPT-OUT': optOut(),
  REMOVE: optOut(),
  TD: optOut(),
  ARRET: optOut('fr'),
  ARRÊT: optOut('fr'),
  ALTO: optOut('es'),
  PARAR: optOut('es'),
  BAJA: optOut('es'),
  STOPP: optOut('de'),
  PARE: optOut('pt'),
  SAIR: optOut('pt'),
  BASTA: optOut('it'),
  ANNULLA: optOut('it'),
  START: optIn(),
  YES: optIn(),
  UNSTOP: optIn(),
  SUBSCRIBE: optIn(),
  COMMENCER: optIn('fr'),
  ALTA: optIn('es'),
  HELP: help(),
  INFO: help(),
  AIDE: help('fr'),
  AYUDA: help('es'),
  HILFE: help('de'),
} as const satisfies Record<string, KeywordSpec>;

export type Keyword = keyof typeof KEYWORDS;

export interface KeywordMatch {
  /** The keyword in its canonical spelling, whatever the sender typed. */
  keyword: Keyword;
  action: KeywordAction;
  /** The keyword's language when it is not English (`ARRÊT`: fr). */
  language?: string;
}

/** Compatibility forms composed (full-width `ＳＴＯＰ`, a decomposed `Ê`), case folded, spaces collapsed. */
const fold = (text: string) => text.normalize('NFKC').toLowerCase().trim().replace(/\s+/gu, ' ');

const BY_FOLDED = new Map<string, Keyword>((Object.keys(KEYWORDS) as Keyword[]).map((k) => [fold(k), k]));

/** The keywords of one action, canonical spellings (what opt-out instructions may name). */
export const keywordsFor = (action: KeywordAction): Keyword[] =>
  (Object.keys(KEYWORDS) as Keyword[]).filter((k) => KEYWORDS[k].action === action);

/**
 * The keyword a whole message is, or `undefined`. The message is trimmed of every Unicode space
 * (phones append newlines, no-break and ideographic spaces), NFKC-normalized (a keyboard in
 * full-width mode, `ＳＴＯＰ`, or a decomposed accent still counts) and case folded; spaces inside
 * collapse (`OPT  OUT`). Anything else around or inside the word (`STOP!`, `stop please`,
 * `S T O P`, a zero-width space) makes it an ordinary message, as carriers match keywords.
 */
export function matchKeyword(message: string): KeywordMatch | undefined {
  if (message.length > 64) return undefined;
  const keyword = BY_FOLDED.get(fold(message));
  if (keyword === undefined) return undefined;
  const spec: KeywordSpec = KEYWORDS[keyword];
  return { keyword, action: spec.action, ...(spec.language ? { language: spec.language } : {}) };
}

const OPT_OUT_TYPES = ['STOP', 'START', 'HELP'] as const satisfies readonly Keyword[];

/**
 * The keyword a text stands for: Twilio's `OptOutType` (Advanced Opt-Out, which also knows custom
 * and other-language keywords) decides when it is one Twilio documents; otherwise the message.
 */
export function resolveKeyword(message: string, optOutType?: string): KeywordMatch | undefined {
  const type = optOutType?.trim().toUpperCase();
  const declared = OPT_OUT_TYPES.find((t) => t === type);
  if (!declared) return matchKeyword(message);
  // The text's own keyword names the language of the reply (ARRÊT with OptOutType STOP: French).
  const own = matchKeyword(message);
  return {
    keyword: declared,
    action: KEYWORDS[declared].action,
    ...(own?.action === KEYWORDS[declared].action && own.language ? { language: own.language } : {}),
  };
}
