import Negotiator from 'negotiator';
import { ar } from './catalogs/ar';
import { da } from './catalogs/da';
import { de } from './catalogs/de';
import { en, type Catalog } from './catalogs/en';
import { es } from './catalogs/es';
import { fi } from './catalogs/fi';
import { fr } from './catalogs/fr';
import { he } from './catalogs/he';
import { it } from './catalogs/it';
import { ja } from './catalogs/ja';
import { nl } from './catalogs/nl';
import { pl } from './catalogs/pl';
import { pt } from './catalogs/pt';
import { sv } from './catalogs/sv';
import { zhHans } from './catalogs/zh-Hans';

/** The languages the pages' fixed text is written in, one catalog each. */
export const CATALOGS: Readonly<Record<string, Catalog>> = {
  en,
  fr,
  de,
  es,
  it,
  nl,
  pt,
  pl,
  sv,
  da,
  fi,
  ja,
  'zh-Hans': zhHans,
  ar,
  he,
};

/** Written right to left: the page gets `dir="rtl"` and its layout mirrors (CSS logical properties). */
const RTL_SCRIPTS = new Set(['Arab', 'Hebr', 'Thaa', 'Syrc', 'Nkoo', 'Adlm']);

/** Language and script of a tag, as the likely-subtags data fills them in (`zh-CN` is `zh-Hans`). */
function likely(tag: string): { language: string; script: string | undefined } {
  try {
    const locale = new Intl.Locale(tag).maximize();
    return { language: locale.language, script: locale.script };
  } catch {
    return { language: tag.split('-')[0]!.toLowerCase(), script: undefined };
  }
}

export const isRtl = (tag: string) => RTL_SCRIPTS.has(likely(tag).script ?? '');

/** The catalog for a page language: its own, else the one of its language and script, else English. */
export function catalogOf(tag: string): { language: string; catalog: Catalog } {
  if (CATALOGS[tag]) return { language: tag, catalog: CATALOGS[tag]! };
  const wanted = likely(tag);
  for (const [language, catalog] of Object.entries(CATALOGS)) {
    const have = likely(language);
    if (have.language === wanted.language && have.script === wanted.script) return { language, catalog };
  }
  return { language: 'en', catalog: en };
}

/**
 * The best of `available` (a profile's languages) for an Accept-Language header: q-values and
 * ranges as the negotiator library reads them, then the same language and script for what it does
 * not match (`zh-CN` asks for what `zh-Hans` is written in). Undefined when nothing matches.
 */
export function negotiate(available: readonly string[], acceptLanguage: string | null): string | undefined {
  if (!acceptLanguage || available.length === 0) return undefined;
  const negotiator = new Negotiator({ headers: { 'accept-language': acceptLanguage } });
  const direct = negotiator.language([...available]);
  if (direct) return direct;
  for (const wanted of negotiator.languages()) {
    if (wanted === '*') return undefined;
    const want = likely(wanted);
    const found = available.find((tag) => {
      const have = likely(tag);
      return have.language === want.language && have.script === want.script;
    });
    if (found) return found;
  }
  return undefined;
}
