/* The pages' message catalogs (issue 26): complete, well-formed, with plural rules per language. */
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { en } from '../../shared/i18n/catalogs/en';
import { CATALOGS, catalogOf, isRtl, negotiate } from '../../shared/i18n/languages';
import { translate } from '../../shared/i18n/translate';

const REQUIRED = [
  'en',
  'fr',
  'de',
  'es',
  'it',
  'nl',
  'pt',
  'pl',
  'sv',
  'da',
  'fi',
  'ja',
  'zh-Hans',
  'ar',
  'he',
];

/** The arguments a message uses, by name (what every translation must use too). */
function argumentsOf(message: string): string[] {
  const names = new Set<string>();
  const walk = (elements: any[]) => {
    for (const el of elements) {
      if (el.value !== undefined && typeof el.value === 'string' && el.type !== 0) names.add(el.value);
      if (el.options) for (const option of Object.values<any>(el.options)) walk(option.value);
      if (el.children) walk(el.children);
    }
  };
  walk(new IntlMessageFormat(message, 'en').getAst() as any[]);
  return [...names].sort();
}

describe('the message catalogs', () => {
  it('exist for every language the contract names, each with every key and no other', () => {
    for (const language of REQUIRED) {
      expect(CATALOGS[language], language).toBeDefined();
      expect(Object.keys(CATALOGS[language]!).sort(), language).toEqual(Object.keys(en).sort());
    }
  });

  it('use the same arguments as English, and format for every channel and count', () => {
    for (const [language, catalog] of Object.entries(CATALOGS)) {
      for (const [key, message] of Object.entries(catalog)) {
        expect(argumentsOf(message), `${language} ${key}`).toEqual(argumentsOf(en[key as keyof typeof en]));
        for (const channel of ['email', 'sms', 'voice', 'custom'])
          for (const count of [0, 1, 2, 3, 5, 11, 22, 100]) {
            const out = translate(language, key as keyof typeof en, {
              channel,
              count,
              name: 'N',
              brand: 'B',
              address: 'a***@x',
              what: 'W',
              messages: 'M',
              date: 'D',
            });
            expect(out, `${language} ${key}`).not.toMatch(/[{}]/);
          }
      }
    }
  });

  it('apply each language’s plural rules (Intl.PluralRules)', () => {
    const saved = (language: string, count: number) => translate(language, 'preferencesSaved', { count });
    expect(saved('en', 1)).toContain('1 choice changed.');
    expect(saved('en', 3)).toContain('3 choices changed.');
    expect(saved('pl', 2)).toContain('Zmieniono 2 wybory.');
    expect(saved('pl', 5)).toContain('Zmieniono 5 wyborów.');
    expect(saved('ar', 2)).toContain('تغيّر اختياران.');
    expect(saved('ar', 3)).toContain('تغيّرت 3 اختيارات.');
    expect(saved('ja', 1)).toContain('1件');
  });

  it('escape every value and make <b> bold, nothing else', () => {
    const out = translate('en', 'unsubscribeQuestion', {
      what: '<script>x</script>',
      brand: 'A & B',
      address: '"q"',
    });
    expect(out).toBe(
      'Stop <strong>&lt;script&gt;x&lt;/script&gt;</strong> from A &amp; B to <strong>&quot;q&quot;</strong>?',
    );
  });

  it('find a catalog for regional tags, and know which are written right to left', () => {
    expect(catalogOf('fr-CA').language).toBe('fr');
    expect(catalogOf('zh-CN').language).toBe('zh-Hans');
    expect(catalogOf('zh-TW').language).toBe('en'); // Traditional: no catalog yet
    expect(catalogOf('pt-BR').language).toBe('pt');
    expect(catalogOf('tlh').language).toBe('en');
    expect(isRtl('ar')).toBe(true);
    expect(isRtl('he-IL')).toBe(true);
    expect(isRtl('fr')).toBe(false);
  });
});

describe('Accept-Language negotiation among a profile’s languages', () => {
  const cases: Array<[string[], string | null, string | undefined]> = [
    [['en', 'fr'], 'fr-CA,fr;q=0.9,en;q=0.5', 'fr'],
    [['en', 'fr'], 'de, en;q=0.1', 'en'],
    [['en', 'ja', 'de'], 'de;q=0.3, ja', 'ja'],
    [['en', 'fr'], 'fr;q=0, en;q=0.2', 'en'],
    [['en', 'zh-Hans'], 'zh-CN', 'zh-Hans'],
    [['en', 'pt-BR'], 'pt', 'pt-BR'],
    [['en', 'ar'], 'AR-eg', 'ar'],
    [['en', 'fr'], 'xx, yy', undefined],
    [['en', 'fr'], '', undefined],
    [['en', 'fr'], null, undefined],
    [['en', 'fr'], ';;;q=,', undefined],
  ];
  for (const [available, header, expected] of cases) {
    it(`${JSON.stringify(header)} among ${available.join(', ')} -> ${expected}`, () => {
      expect(negotiate(available, header)).toBe(expected);
    });
  }
});
