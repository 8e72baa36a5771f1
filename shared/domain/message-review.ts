import { isTag, isText, type ChildNode } from 'domhandler';
import { parseDocument } from 'htmlparser2';

/*
 * "Ready to send" (API.md): what a commercial message lacks before it goes: the company address
 * people can see, a way to unsubscribe, one-click headers, and STOP instructions in a text. Pure:
 * the message and what the profile and the service offer. HTML is parsed by a real parser; only
 * what a reader sees counts.
 */

export const REVIEW_CODES = [
  'missing-company-address',
  'missing-unsubscribe-link',
  'missing-one-click-headers',
  'missing-opt-out-instructions',
] as const;
export type ReviewCode = (typeof REVIEW_CODES)[number];

export interface ReviewFinding {
  code: ReviewCode;
  message: string;
}

export interface ReviewMessage {
  channel: string;
  purposeType: 'commercial' | 'transactional';
  html?: string;
  text?: string;
  headers?: Record<string, string>;
}

export interface ReviewContext {
  companyAddress?: string;
  preferenceCenterUrl?: string;
  /** The service's public origin: its pages are `/api/unsubscribe/<token>` and `/api/preferences/<token>`. */
  publicBaseUrl: string;
  optOutKeywords: readonly string[];
  /** Merge fields a journey engine replaces with the service's links. */
  unsubscribePlaceholders?: readonly string[];
}

type Node = ChildNode;

/** Elements whose content no reader sees. */
const INVISIBLE = new Set(['head', 'script', 'style', 'template', 'noscript', 'title', 'meta', 'link']);
/** Elements that separate words when rendered. */
const BLOCKS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'dd',
  'div',
  'dl',
  'dt',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'td',
  'th',
  'tr',
  'ul',
]);

function hidden(node: Node): boolean {
  if (!isTag(node)) return false;
  if (INVISIBLE.has(node.name) || node.attribs.hidden !== undefined) return true;
  // The style attribute is CSS declarations: `display: none` or `visibility: hidden` hide it.
  for (const declaration of (node.attribs.style ?? '').split(';')) {
    const [property, value] = declaration.split(':').map((s) => s.trim().toLowerCase());
    if (property === 'display' && value?.startsWith('none')) return true;
    if (property === 'visibility' && value?.startsWith('hidden')) return true;
  }
  return false;
}

/** The visible text and the links of an HTML message (hidden elements and their links left out). */
function readHtml(html: string): { text: string; links: string[] } {
  const document = parseDocument(html, { decodeEntities: true });
  const text: string[] = [];
  const links: string[] = [];
  const walk = (nodes: Node[]) => {
    for (const node of nodes) {
      if (hidden(node)) continue;
      if (isText(node)) text.push(node.data);
      if (!isTag(node)) continue;
      if ((node.name === 'a' || node.name === 'area') && node.attribs.href !== undefined)
        links.push(node.attribs.href.trim());
      if (BLOCKS.has(node.name)) text.push('\n');
      walk(node.children);
      if (BLOCKS.has(node.name)) text.push('\n');
    }
  };
  walk(document.children);
  return { text: text.join(''), links };
}

/** Case-folded, compatibility-normalized, every run of spaces and punctuation one space. */
const normalize = (text: string) =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}]+/gu, ' ')
    .trim();

function isUnsubscribeLink(href: string, context: ReviewContext): boolean {
  if ((context.unsubscribePlaceholders ?? []).includes(href)) return true;
  if (context.preferenceCenterUrl && href.startsWith(context.preferenceCenterUrl)) return true;
  let url: URL;
  let base: URL;
  try {
    url = new URL(href);
    base = new URL(context.publicBaseUrl);
  } catch {
    return false;
  }
  if (url.origin.toLowerCase() !== base.origin.toLowerCase()) return false;
  const prefix = base.pathname.replace(/\/+$/, '').toLowerCase();
  const path = url.pathname.toLowerCase();
  return ['/api/unsubscribe/', '/api/preferences/'].some(
    (page) => path.startsWith(prefix + page) && path.length > (prefix + page).length,
  );
}

/** Whole words of a text (letters and digits of any script). */
const wordsOf = (text: string) =>
  text
    .normalize('NFKC')
    .toUpperCase()
    .split(/[^\p{L}\p{N}]+/u);

/** The findings of "Ready to send": it warns, it blocks nothing. */
export function reviewMessage(
  message: ReviewMessage,
  context: ReviewContext,
): { ready: boolean; findings: ReviewFinding[] } {
  const findings: ReviewFinding[] = [];
  if (message.purposeType !== 'commercial') return { ready: true, findings };
  const read =
    message.html !== undefined
      ? readHtml(message.html)
      : { text: message.text ?? '', links: (message.text ?? '').split(/\s+/).filter((w) => w !== '') };

  if (message.channel === 'email') {
    const address = context.companyAddress ? normalize(context.companyAddress) : '';
    if (address === '') {
      findings.push({
        code: 'missing-company-address',
        message: 'The profile has no company address to show: set companyAddress on the profile.',
      });
    } else if (!` ${normalize(read.text)} `.includes(` ${address} `)) {
      findings.push({
        code: 'missing-company-address',
        message: `The visible text does not contain the company address "${context.companyAddress}" of the profile.`,
      });
    }
    if (!read.links.some((href) => isUnsubscribeLink(href, context))) {
      findings.push({
        code: 'missing-unsubscribe-link',
        message:
          "The message has no visible link to the unsubscribe or preference page (or the profile's preference center).",
      });
    }
    if (message.headers !== undefined) {
      const header = (name: string) =>
        Object.entries(message.headers!)
          .find(([key]) => key.toLowerCase() === name)?.[1]
          ?.trim();
      const list = header('list-unsubscribe') ?? '';
      const https = [...list.matchAll(/<([^>]*)>/g)].some(([, url]) => /^https:\/\//i.test(url!.trim()));
      const post = header('list-unsubscribe-post')?.toLowerCase();
      if (!https || post !== 'list-unsubscribe=one-click') {
        findings.push({
          code: 'missing-one-click-headers',
          message:
            'One-click unsubscribe needs List-Unsubscribe with an https URL and List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058).',
        });
      }
    }
  }
  if (message.channel === 'sms') {
    const keywords = new Set(context.optOutKeywords.map((k) => k.normalize('NFKC').toUpperCase()));
    if (!wordsOf(read.text).some((word) => keywords.has(word))) {
      findings.push({
        code: 'missing-opt-out-instructions',
        message: 'The text does not tell how to opt out: name a keyword, e.g. "Reply STOP to opt out".',
      });
    }
  }
  return { ready: findings.length === 0, findings };
}
