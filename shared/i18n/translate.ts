import { IntlMessageFormat } from 'intl-messageformat';
import type { MessageKey } from './catalogs/en';
import { escapeHtml } from '../web/html';
import { catalogOf } from './languages';

const formats = new Map<string, IntlMessageFormat>();

/**
 * A message of the page language's catalog, formatted (plural rules from Intl.PluralRules of that
 * language) as HTML: every value escaped, `<b>` made `<strong>`. Parsed once per language and key.
 */
export function translate(
  language: string,
  key: MessageKey,
  values: Record<string, string | number> = {},
): string {
  const cacheKey = `${language}\u0000${key}`;
  let format = formats.get(cacheKey);
  if (!format) {
    const { catalog } = catalogOf(language);
    format = new IntlMessageFormat(catalog[key], language);
    formats.set(cacheKey, format);
  }
  const escaped = Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      typeof value === 'number' ? value : escapeHtml(value),
    ]),
  );
  const out = format.format<string>({
    ...escaped,
    b: (chunks: string[]) => `<strong>${chunks.join('')}</strong>`,
  });
  return Array.isArray(out) ? out.join('') : String(out);
}
