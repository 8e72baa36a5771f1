import type { Profile, Purpose, Topic } from '../domain/model';
import { CATALOGS, isRtl, negotiate } from '../i18n/languages';
import type { ResolvedLink } from './link-service';

/** The language a page is served in, and what its language switcher offers. */
export interface PageLocale {
  /** The BCP 47 tag of `<html lang>`: one of the profile's languages. */
  tag: string;
  rtl: boolean;
  /** The profile's languages, the default first. */
  languages: readonly string[];
}

export const profileLanguages = (profile: Profile | undefined): string[] =>
  profile
    ? [...new Set([profile.defaultLanguage ?? 'en', ...Object.keys(profile.translations ?? {})])]
    : ['en'];

/**
 * API.md, Languages: `?lang=` when the profile has it, else the language the link was made for,
 * else the best Accept-Language match among the profile's languages, else its default.
 */
export function pageLocale(
  profile: Profile | undefined,
  asked: { lang?: string | null; link?: string | undefined; acceptLanguage?: string | null },
): PageLocale {
  const languages = profileLanguages(profile);
  const has = (tag: string | null | undefined) =>
    tag ? languages.find((l) => l.toLowerCase() === tag.toLowerCase()) : undefined;
  const tag =
    has(asked.lang) ?? has(asked.link) ?? negotiate(languages, asked.acceptLanguage ?? null) ?? languages[0]!;
  return { tag, rtl: isRtl(tag), languages };
}

/** A profile's names, address and descriptions in a language it has a translation for. */
export function localizeProfile(profile: Profile, tag: string): Profile {
  const t = profile.translations?.[tag];
  if (!t || tag === (profile.defaultLanguage ?? 'en')) return profile;
  const topic = (topic: Topic): Topic => ({ ...topic, ...t.topics?.[topic.id] });
  const purpose = (purpose: Purpose): Purpose => ({
    ...purpose,
    ...t.purposes?.[purpose.id],
    ...(purpose.topics ? { topics: purpose.topics.map(topic) } : {}),
  });
  return {
    ...profile,
    ...(t.name !== undefined ? { name: t.name } : {}),
    ...(t.companyAddress !== undefined ? { companyAddress: t.companyAddress } : {}),
    purposes: profile.purposes.map(purpose),
  };
}

/** A resolved link with its profile, purpose and topic in the page's language. */
export function localizeLink<L extends ResolvedLink>(link: L, tag: string): L {
  const profile = localizeProfile(link.profile, tag);
  if (profile === link.profile) return link;
  const purposeOf = (p: Purpose) => profile.purposes.find((x) => x.id === p.id) ?? p;
  const purpose = link.purpose && purposeOf(link.purpose);
  const topic = link.topic && purpose?.topics?.find((t) => t.id === link.topic!.id);
  return {
    ...link,
    profile,
    ...(purpose ? { purpose } : {}),
    ...(topic ? { topic } : {}),
    unaffected: link.unaffected.map(purposeOf),
  };
}

/** What a request asks for: `?lang=` and Accept-Language. */
export interface PageRequest {
  query: { get(name: string): string | null };
  headers: { get(name: string): string | null };
}

/** The locale of a page about a profile, for this request and the language its link was made for. */
export function requestLocale(request: PageRequest, profile: Profile, linkLanguage?: string): PageLocale {
  return pageLocale(profile, {
    lang: request.query.get('lang'),
    link: linkLanguage,
    acceptLanguage: request.headers.get('accept-language'),
  });
}

/** An error page knows no profile: the best of every catalog's language for the request. */
export function errorLocale(request: PageRequest | undefined): PageLocale {
  const all = Object.keys(CATALOGS);
  const asked = request?.query.get('lang');
  const tag =
    (asked && all.find((l) => l.toLowerCase() === asked.toLowerCase())) ??
    negotiate(all, request?.headers.get('accept-language') ?? null) ??
    'en';
  return { tag, rtl: isRtl(tag), languages: [tag] };
}
