import { DomHandler, isTag, isText, type ChildNode, type Element } from 'domhandler';
import { Parser } from 'htmlparser2';
import { ValidationError } from '../errors';

/*
 * "Ready to send" (API.md): what a commercial message lacks before it goes: the company address
 * people can see, a way to unsubscribe, one-click headers, and STOP instructions in a text. Pure:
 * the message and what the profile and the service offer. HTML is parsed by a real parser (never
 * by regular expressions); only what a reader sees counts. It warns; it blocks nothing.
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
  /** The profile's company address (may span lines and commas). */
  companyAddress?: string;
  /** The profile's own preference center: a link starting with it counts. */
  preferenceCenterUrl?: string;
  /** The service's public base: its pages are `/api/unsubscribe/<token>` and `/api/preferences/<token>`. */
  publicBaseUrl: string;
  /** Words that opt a number out (any script; a keyword of several words must appear as those words in a row). */
  optOutKeywords: readonly string[];
  /** Merge fields a journey engine replaces with the service's links: an href equal to one counts. */
  unsubscribePlaceholders?: readonly string[];
}

/** Elements whose content no reader sees. */
const INVISIBLE = new Set(['head', 'script', 'style', 'template', 'noscript', 'title', 'meta', 'link']);
/** Elements that separate words when rendered (inline ones, e.g. <span>, join them). */
const BLOCKS = new Set(
  (
    'address article aside blockquote br caption center dd details dialog div dl dt fieldset figcaption ' +
    'figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr legend li main menu nav ol p pre section ' +
    'summary table tbody td tfoot th thead tr ul'
  ).split(' '),
);

function hidden(element: Element): boolean {
  if (INVISIBLE.has(element.name) || element.attribs.hidden !== undefined) return true;
  // The style attribute is CSS declarations, not HTML: `display: none` or `visibility: hidden` hide it.
  for (const declaration of (element.attribs.style ?? '').split(';')) {
    const [property, value] = declaration.split(':').map((s) => s.trim().toLowerCase());
    if (property === 'display' && value?.startsWith('none')) return true;
    if (property === 'visibility' && value?.startsWith('hidden')) return true;
  }
  return false;
}

/**
 * How deep elements may nest. Real messages (Outlook's nested layout tables included) stay far
 * below; the parser's work grows with the square of the depth, so a body built only to nest (a
 * megabyte of `<div>`s takes seconds) is refused before it can tie up the instance.
 */
export const MAX_HTML_DEPTH = 1000;

/** The DOM handler htmlparser2's parseDocument uses, counting open elements as it goes. */
class DepthBoundedHandler extends DomHandler {
  private depth = 0;
  override onopentag(name: string, attribs: Record<string, string>): void {
    if (++this.depth > MAX_HTML_DEPTH)
      throw new ValidationError('The message cannot be reviewed.', [
        { path: 'html', message: `elements nest more than ${MAX_HTML_DEPTH} deep` },
      ]);
    super.onopentag(name, attribs);
  }
  // Called for every element the parser closes: explicitly, by implication, void ones, and at the end.
  override onclosetag(): void {
    this.depth--;
    super.onclosetag();
  }
}

function parseHtml(html: string): ChildNode[] {
  const handler = new DepthBoundedHandler();
  new Parser(handler).end(html);
  return handler.root.children;
}

/** The visible text and the links of an HTML message (hidden elements and their links left out). */
function readHtml(html: string): { text: string; links: string[] } {
  const text: string[] = [];
  const links: string[] = [];
  // An explicit stack rather than recursion: a body of thousands of nested elements must not
  // overflow the call stack. A string on it is a word break to emit after a block's children.
  const stack: (ChildNode | string)[] = [...parseHtml(html)].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (typeof node === 'string') text.push(node);
    else if (isText(node)) text.push(node.data);
    // Comments, CDATA and processing instructions are never shown.
    if (typeof node === 'string' || !isTag(node) || hidden(node)) continue;
    // The parser has decoded entities (`&amp;`) in attributes already.
    const href = node.attribs.href;
    if ((node.name === 'a' || node.name === 'area') && href !== undefined) links.push(href.trim());
    if (BLOCKS.has(node.name)) {
      text.push('\n');
      stack.push('\n');
    }
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return { text: text.join(''), links };
}

/**
 * Compatibility-normalized and case-folded (upper then lower folds `ß` to `ss` and final sigma,
 * as full case folding would), invisible format characters (soft hyphens, zero-width spaces)
 * dropped, every run of spaces, punctuation and symbols (`,` `|` `•` line breaks) one space.
 */
const normalize = (text: string) =>
  text
    .normalize('NFKC')
    .toUpperCase()
    .toLowerCase()
    .replace(/\p{Cf}/gu, '')
    .replace(/[\s\p{P}\p{S}]+/gu, ' ')
    .trim();

/** Whole words (letters with their marks, digits, of any script), upper-cased, one space apart. */
const words = (text: string) =>
  text
    .normalize('NFKC')
    .toUpperCase()
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .filter((word) => word !== '')
    .join(' ');

const SERVICE_PAGES = ['/api/unsubscribe/', '/api/preferences/'];

function isUnsubscribeLink(href: string, context: ReviewContext, base: URL | undefined): boolean {
  if ((context.unsubscribePlaceholders ?? []).includes(href)) return true;
  if (context.preferenceCenterUrl && href.startsWith(context.preferenceCenterUrl)) return true;
  if (!base || !URL.canParse(href)) return false;
  const url = new URL(href);
  // URL lower-cases scheme and host and drops default ports; the path is compared case-blind too.
  if (url.origin !== base.origin) return false;
  const path = url.pathname.toLowerCase();
  const prefix = base.pathname.toLowerCase().replace(/\/+$/, '');
  // A page with a token: the bare `/api/unsubscribe/` is not one.
  return SERVICE_PAGES.some((page) => path.startsWith(prefix + page) && path.length > (prefix + page).length);
}

/** Links in a plain-text email: whitespace-separated tokens without the brackets or stops around them. */
const textLinks = (text: string) =>
  text
    .split(/\s+/)
    .map((token) => token.replace(/^[<(["']+|[>)\]"'.,;:!?]+$/g, ''))
    .filter((token) => token !== '');

function oneClickProblems(headers: Record<string, string>): string[] {
  const header = (name: string) =>
    Object.entries(headers)
      .find(([key]) => key.trim().toLowerCase() === name)?.[1]
      ?.trim();
  // Its value is a list of `<URI>`s (RFC 2369); only an https one can take the one-click POST.
  const list = header('list-unsubscribe') ?? '';
  const https = [...list.matchAll(/<([^>]*)>/g)].some(([, uri]) => /^https:\/\/\S/i.test(uri!.trim()));
  const problems: string[] = [];
  if (!https) problems.push('List-Unsubscribe has no <https://…> URL (a mailto: alone is not one-click)');
  if (header('list-unsubscribe-post')?.toLowerCase() !== 'list-unsubscribe=one-click')
    problems.push('List-Unsubscribe-Post is not "List-Unsubscribe=One-Click"');
  return problems;
}

/** An address as one line for a message: its lines joined by commas. */
const oneLine = (address: string) =>
  address
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(', ');

function reviewEmail(message: ReviewMessage, context: ReviewContext): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  // The HTML part is what most readers see; a text-only email is read as it is.
  const read =
    message.html !== undefined
      ? readHtml(message.html)
      : { text: message.text ?? '', links: textLinks(message.text ?? '') };

  const address = normalize(context.companyAddress ?? '');
  if (address === '') {
    findings.push({
      code: 'missing-company-address',
      message:
        'The profile has no company address set, so the message cannot show it: set companyAddress on the profile.',
    });
  } else if (!` ${normalize(read.text)} `.includes(` ${address} `)) {
    // Whole words: "1 Main St" is not in "21 Main Street".
    findings.push({
      code: 'missing-company-address',
      message: `The visible text does not contain the company address "${oneLine(context.companyAddress!)}" of the profile.`,
    });
  }

  const base = URL.canParse(context.publicBaseUrl) ? new URL(context.publicBaseUrl) : undefined;
  if (!read.links.some((href) => isUnsubscribeLink(href, context, base))) {
    const root = context.publicBaseUrl.replace(/\/+$/, '');
    findings.push({
      code: 'missing-unsubscribe-link',
      message:
        `The message has no visible link to the unsubscribe or preference page (${root}/api/unsubscribe/… or ` +
        `${root}/api/preferences/…, or a merge field for them)` +
        (context.preferenceCenterUrl
          ? ` or to the profile's preference center ${context.preferenceCenterUrl}.`
          : '.'),
    });
  }

  if (message.headers !== undefined) {
    const problems = oneClickProblems(message.headers);
    if (problems.length > 0)
      findings.push({
        code: 'missing-one-click-headers',
        message: `One-click unsubscribe (RFC 8058) is not set up: ${problems.join('; ')}.`,
      });
  }
  return findings;
}

function reviewText(message: ReviewMessage, context: ReviewContext): ReviewFinding[] {
  // The text is what the phone shows; HTML only when there is no text.
  const body = message.text ?? (message.html !== undefined ? readHtml(message.html).text : '');
  const said = ` ${words(body)} `;
  const named = context.optOutKeywords.some((keyword) => {
    const keywordWords = words(keyword);
    return keywordWords !== '' && said.includes(` ${keywordWords} `);
  });
  if (named) return [];
  // The list may hold many languages' keywords: a few are enough to show.
  const few = context.optOutKeywords.slice(0, 6);
  const shown = few.join(', ') + (context.optOutKeywords.length > few.length ? ', …' : '');
  return [
    {
      code: 'missing-opt-out-instructions',
      message: `The text does not tell how to opt out: name a keyword (${shown}), e.g. "Reply STOP to opt out".`,
    },
  ];
}

/** The findings of "Ready to send", in REVIEW_CODES order: it warns, it blocks nothing. */
export function reviewMessage(
  message: ReviewMessage,
  context: ReviewContext,
): { ready: boolean; findings: ReviewFinding[] } {
  let findings: ReviewFinding[] = [];
  // Transactional messages need none of this; voice and custom channels have nothing to read.
  if (message.purposeType === 'commercial') {
    if (message.channel === 'email') findings = reviewEmail(message, context);
    // `sms` is this service's channel for text messages (CHANNELS in model.ts).
    else if (message.channel === 'sms') findings = reviewText(message, context);
  }
  return { ready: findings.length === 0, findings };
}
