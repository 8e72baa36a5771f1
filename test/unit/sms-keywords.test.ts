import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEYWORDS, matchKeyword, resolveKeyword, type Keyword } from '../../shared/domain/keywords';

const OPT_OUT = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'];
const OPT_IN = ['START', 'YES', 'UNSTOP'];
const HELP = ['HELP', 'INFO'];
/** Beyond English (DOMAIN.md), with the language a reply is made in. */
const MORE_OPT_OUT: Record<string, string | undefined> = {
  'OPT OUT': undefined,
  'OPT-OUT': undefined,
  REMOVE: undefined,
  TD: undefined,
  ARRET: 'fr',
  ARRÊT: 'fr',
  ALTO: 'es',
  PARAR: 'es',
  BAJA: 'es',
  STOPP: 'de',
  PARE: 'pt',
  SAIR: 'pt',
  BASTA: 'it',
  ANNULLA: 'it',
};
const MORE_OPT_IN: Record<string, string | undefined> = { SUBSCRIBE: undefined, COMMENCER: 'fr', ALTA: 'es' };
const MORE_HELP: Record<string, string | undefined> = { AIDE: 'fr', AYUDA: 'es', HILFE: 'de' };
const expected = (keyword: string) => {
  const spec = KEYWORDS[keyword as Keyword] as { action: string; language?: string };
  return { keyword, action: spec.action, ...(spec.language ? { language: spec.language } : {}) };
};

/** Every upper/lower-case spelling of a word (2^n of them). */
function caseVariants(word: string): string[] {
  let variants = [''];
  for (const ch of word) variants = variants.flatMap((v) => [v + ch.toLowerCase(), v + ch.toUpperCase()]);
  return variants;
}

describe('the keyword list', () => {
  it('is exactly the one DOMAIN.md states', () => {
    const all = [
      ...OPT_OUT,
      ...OPT_IN,
      ...HELP,
      ...Object.keys(MORE_OPT_OUT),
      ...Object.keys(MORE_OPT_IN),
      ...Object.keys(MORE_HELP),
    ];
    expect(Object.keys(KEYWORDS).sort()).toEqual(all.sort());
    for (const k of OPT_OUT) expect(KEYWORDS[k as Keyword]).toEqual({ action: 'optOut' });
    for (const k of OPT_IN) expect(KEYWORDS[k as Keyword]).toEqual({ action: 'optIn' });
    for (const k of HELP) expect(KEYWORDS[k as Keyword]).toEqual({ action: 'help' });
    for (const [sets, action] of [
      [MORE_OPT_OUT, 'optOut'],
      [MORE_OPT_IN, 'optIn'],
      [MORE_HELP, 'help'],
    ] as const) {
      for (const [k, language] of Object.entries(sets))
        expect(KEYWORDS[k as Keyword]).toEqual({ action, ...(language ? { language } : {}) });
    }
  });
});

describe('matchKeyword', () => {
  it('matches every keyword in every case spelling, with its canonical name and action', () => {
    for (const keyword of Object.keys(KEYWORDS)) {
      const spellings = keyword.length <= 8 ? caseVariants(keyword) : [keyword, keyword.toLowerCase()];
      for (const spelling of spellings) expect(matchKeyword(spelling), spelling).toEqual(expected(keyword));
    }
    // Longer keywords: a sample of mixed spellings too.
    for (const spelling of ['Unsubscribe', 'uNsUbScRiBe', 'UNSUBSCRIBE', 'sToP', 'Stop', 'StopAll']) {
      expect(matchKeyword(spelling)).toBeDefined();
    }
  });

  it('matches case spellings of each keyword, whatever the case of each letter (property)', () => {
    const keywords = Object.keys(KEYWORDS);
    fc.assert(
      fc.property(
        fc.constantFrom(...keywords),
        fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
        (k, up) => {
          const spelling = [...k].map((ch, i) => (up[i] ? ch : ch.toLowerCase())).join('');
          expect(matchKeyword(spelling)?.keyword).toBe(k);
        },
      ),
    );
  });

  it('trims every Unicode space around the word: line breaks, tabs, no-break and ideographic spaces', () => {
    const spaces = [
      ' ',
      '  ',
      '\t',
      '\n',
      '\r\n',
      '\u00a0', // no-break space
      '\u2007', // figure space
      '\u202f', // narrow no-break space
      '\u2003', // em space
      '\u3000', // ideographic (full-width) space
      '\u2028', // line separator
      '\ufeff', // byte order mark
    ];
    for (const space of spaces) {
      const label = JSON.stringify(space);
      expect(matchKeyword(`${space}STOP${space}`)?.keyword, label).toBe('STOP');
      expect(matchKeyword(`stop${space}`)?.keyword, label).toBe('STOP');
      expect(matchKeyword(`${space}start`)?.keyword, label).toBe('START');
    }
    expect(matchKeyword(' \n\t\u00a0 Stop \u3000\r\n')?.keyword).toBe('STOP');
  });

  it('matches each language set after case folding and NFKC, with its near misses refused', () => {
    expect(matchKeyword('arrêt')?.keyword).toBe('ARRÊT');
    expect(matchKeyword('ARRE\u0302T')?.keyword).toBe('ARRÊT'); // a decomposed accent
    expect(matchKeyword('Arret')).toEqual({ keyword: 'ARRET', action: 'optOut', language: 'fr' });
    expect(matchKeyword('ＡＲＲÊＴ')?.keyword).toBe('ARRÊT');
    expect(matchKeyword('opt  out')?.keyword).toBe('OPT OUT');
    expect(matchKeyword('Opt-Out')?.keyword).toBe('OPT-OUT');
    expect(matchKeyword('stopp')).toEqual({ keyword: 'STOPP', action: 'optOut', language: 'de' });
    expect(matchKeyword('alto')).toEqual({ keyword: 'ALTO', action: 'optOut', language: 'es' });
    expect(matchKeyword('Alta')).toEqual({ keyword: 'ALTA', action: 'optIn', language: 'es' });
    expect(matchKeyword('hilfe')).toEqual({ keyword: 'HILFE', action: 'help', language: 'de' });
    for (const miss of [
      'ARRÊTE',
      'ARRÊT!',
      'arrêt svp',
      'ARRÉT',
      'ALTOS',
      'BAJAR',
      'STOPPT',
      'PAREI',
      'SAIRR',
      'BASTA!',
      'ANULLA',
      'OPTOUT OUT',
      'OPT _OUT',
      'OPT\u200bOUT',
      'T D',
      'TDD',
      'COMMENCE',
      'AYUDAME',
      'HILF',
      'AIDEZ',
    ])
      expect(matchKeyword(miss), miss).toBeUndefined();
  });

  it('reads full-width letters as the letters they are (NFKC)', () => {
    expect(matchKeyword('ＳＴＯＰ')?.keyword).toBe('STOP');
    expect(matchKeyword('ｓｔａｒｔ')?.keyword).toBe('START');
    expect(matchKeyword('\u3000ｓｔｏｐ\u3000')?.keyword).toBe('STOP');
  });

  it('does not match near misses: punctuation, other words, inner spaces, zero-width characters, look-alikes', () => {
    const nearMisses = [
      '',
      ' ',
      '\n',
      'STOP!',
      'STOP.',
      'stop?',
      '"STOP"',
      "'stop'",
      '#STOP',
      'STOP :)',
      'stop please',
      'please stop',
      'Stop it',
      'S T O P',
      'S.T.O.P',
      'ST OP',
      'STOP STOP',
      'STOP\nSTOP',
      'STO',
      'TOPS',
      'STOPALLL',
      'STOP ALL',
      'opt_out',
      'UN SUBSCRIBE',
      'STOP\u200b', // zero-width space: not a space
      '\u200bSTOP',
      'ST\u200bOP',
      'STOP\u0000',
      'ЅТОР', // Cyrillic look-alikes
      'QUıT', // dotless i: no locale case mapping
      'STÖP',
      'STOP😀',
      'YESS',
      'YEAH',
      'Y',
      'OK',
      'HELPME',
      'help me',
      'info?',
      'START NOW',
      'unstop!',
      '1',
      'STOP1',
    ];
    for (const text of nearMisses) expect(matchKeyword(text), JSON.stringify(text)).toBeUndefined();
  });

  it('never throws, and what it matches is a keyword once folded (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const match = matchKeyword(text);
        const folded = text.normalize('NFKC').trim().replace(/\s+/gu, ' ').toLowerCase();
        if (match) expect(folded).toBe(match.keyword.toLowerCase());
      }),
    );
  });
});

describe('resolveKeyword (Twilio OptOutType decides when present)', () => {
  it("takes Twilio's OptOutType over the body", () => {
    // The text's own keyword still names the reply's language.
    expect(resolveKeyword('Arrêt', 'STOP')).toEqual({ keyword: 'STOP', action: 'optOut', language: 'fr' });
    expect(resolveKeyword('stop please', 'STOP')).toEqual({ keyword: 'STOP', action: 'optOut' });
    expect(resolveKeyword('STOP', 'START')).toEqual({ keyword: 'START', action: 'optIn' });
    expect(resolveKeyword('START', 'HELP')).toEqual({ keyword: 'HELP', action: 'help' });
    expect(resolveKeyword('anything', ' stop ')).toEqual({ keyword: 'STOP', action: 'optOut' });
  });

  it('falls back to the body without OptOutType, or with a value Twilio does not document', () => {
    expect(resolveKeyword('Stop')).toEqual({ keyword: 'STOP', action: 'optOut' });
    expect(resolveKeyword('Stop', '')).toEqual({ keyword: 'STOP', action: 'optOut' });
    expect(resolveKeyword('yes', 'SOMETHING')).toEqual({ keyword: 'YES', action: 'optIn' });
    expect(resolveKeyword('hello', 'UNSUBSCRIBE')).toBeUndefined();
    expect(resolveKeyword('hello')).toBeUndefined();
  });
});
