/* "Ready to send", the pure review (issue 24): what a reader sees, parsed as HTML. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors';
import {
  MAX_HTML_DEPTH,
  REVIEW_CODES,
  reviewMessage,
  type ReviewContext,
  type ReviewMessage,
} from '../../shared/domain/message-review';

const context: ReviewContext = {
  companyAddress: 'Contoso Ltd, 1 Main Street, Springfield',
  preferenceCenterUrl: 'https://brand.example.com/preferences',
  publicBaseUrl: 'https://consent.example.com',
  optOutKeywords: ['STOP', 'UNSUBSCRIBE', 'END'],
  unsubscribePlaceholders: ['{{unsubscribeUrl}}', '{{preferencesUrl}}'],
};
const ADDRESS = 'Contoso Ltd, 1 Main Street, Springfield';
const FOOTER = '<p>Contoso Ltd<br>1 Main Street<br/>Springfield</p>';
const LINK = '<a href="https://consent.example.com/api/unsubscribe/tok">Unsubscribe</a>';
const review = (message: Partial<ReviewMessage>, ctx: Partial<ReviewContext> = {}) =>
  reviewMessage({ channel: 'email', purposeType: 'commercial', ...message }, { ...context, ...ctx });
const codes = (html: string, extra: Partial<ReviewMessage> = {}, ctx: Partial<ReviewContext> = {}) =>
  review({ html, ...extra }, ctx).findings.map((f) => f.code);
const sms = (text: string, ctx: Partial<ReviewContext> = {}) =>
  review({ channel: 'sms', text }, ctx).findings.map((f) => f.code);

describe('ready to send: the company address', () => {
  it('counts the address in the visible text, whatever the layout', () => {
    expect(codes(`<html><body>${FOOTER}${LINK}</body></html>`)).toEqual([]);
    expect(
      codes('<p>Contoso Ltd<br>1 Main St</p>' + LINK, {}, { companyAddress: 'Contoso Ltd, 1 Main St' }),
    ).toEqual([]);
    expect(codes('<td>contoso ltd,</td><td>1 MAIN STREET</td><td>Springfield.</td>' + LINK)).toEqual([]);
    expect(codes('<p>Contoso Ltd | 1 Main Street • Springfield</p>' + LINK)).toEqual([]);
    expect(codes('<p>Contoso&nbsp;Ltd, 1&#160;Main Str\u00adeet,\u200b Springfield</p>' + LINK)).toEqual([]);
    expect(
      codes('<p><b>Contoso</b> <i>Ltd</i>, 1 Main <span>Street</span></p><div>Springfield</div>' + LINK),
    ).toEqual([]);
    // A multi-line address, case folding beyond ASCII (ß is ss), full-width letters.
    expect(
      codes(
        '<p>MÜLLER GMBH<br>HAUPTSTRASSE 1</p>' + LINK,
        {},
        { companyAddress: 'Müller GmbH\nHauptstraße 1' },
      ),
    ).toEqual([]);
    expect(codes('<p>Ｃｏｎｔｏｓｏ Ltd, 1 Main Street, Springfield</p>' + LINK)).toEqual([]);
    // aria-hidden hides from screen readers, not from the eye.
    expect(codes(`<div aria-hidden="true">${FOOTER}</div>${LINK}`)).toEqual([]);
  });

  it('does not count what a reader cannot see', () => {
    for (const hiddenAddress of [
      `<div style="display:none">${FOOTER}</div>`,
      `<div style="DISPLAY : None !important">${FOOTER}</div>`,
      `<div style="color: red; visibility : hidden">${FOOTER}</div>`,
      `<div hidden>${FOOTER}</div>`,
      `<div hidden><div><span>${FOOTER}</span></div></div>`,
      `<head><title>${ADDRESS}</title></head>`,
      `<title>${ADDRESS}</title>`,
      `<script>var a = "${ADDRESS}";</script>`,
      `<style>/* ${ADDRESS} */</style>`,
      `<template>${FOOTER}</template>`,
      `<noscript>${FOOTER}</noscript>`,
      `<!-- ${ADDRESS} -->`,
      `<p data-x="${ADDRESS}" title="${ADDRESS}">Hi</p>`,
      `<img alt="${ADDRESS}">`,
    ])
      expect(codes(hiddenAddress + LINK), hiddenAddress).toEqual(['missing-company-address']);
  });

  it('wants the whole address, in whole words', () => {
    expect(codes('<p>XContoso Ltd 1 Main Street Springfield</p>' + LINK)).toEqual([
      'missing-company-address',
    ]);
    expect(codes('<p>Contoso Ltd, 1 Main Street</p>' + LINK)).toEqual(['missing-company-address']);
    expect(
      codes('<p>Contoso Ltd, 21 Main St</p>' + LINK, {}, { companyAddress: 'Contoso Ltd, 1 Main St' }),
    ).toEqual(['missing-company-address']);
    // Inline elements join words: "Contoso" and "Ltd" run together.
    expect(codes('<p><span>Contoso</span><span>Ltd</span>, 1 Main Street, Springfield</p>' + LINK)).toEqual([
      'missing-company-address',
    ]);
  });

  it('says so when the profile has no address, and quotes the one it looks for', () => {
    for (const companyAddress of [undefined, '', ' ,\n '])
      expect(review({ html: FOOTER + LINK }, { companyAddress }).findings).toEqual([
        { code: 'missing-company-address', message: expect.stringContaining('no company address set') },
      ]);
    const [finding] = review({ html: LINK }, { companyAddress: 'Contoso Ltd\n1 Main St' }).findings;
    expect(finding!.message).toBe(
      'The visible text does not contain the company address "Contoso Ltd, 1 Main St" of the profile.',
    );
  });
});

describe('ready to send: the unsubscribe link', () => {
  it('counts the service pages, the preference center and merge fields', () => {
    for (const href of [
      'https://consent.example.com/api/unsubscribe/tok',
      'https://consent.example.com/api/preferences/tok?lang=fr',
      'HTTPS://CONSENT.EXAMPLE.COM/API/PREFERENCES/x?a=1&amp;b=2',
      'https://consent.example.com:443/Api/Unsubscribe/x',
      '  https://consent.example.com/api/unsubscribe/tok  ',
      'https://brand.example.com/preferences?id=1',
      '{{unsubscribeUrl}}',
      '{{preferencesUrl}}',
    ]) {
      expect(codes(`${FOOTER}<a href="${href}">Unsubscribe</a>`), href).toEqual([]);
      expect(codes(`${FOOTER}<map><area href="${href}"></map>`), href).toEqual([]);
    }
    // A base with a path and a trailing slash.
    expect(
      codes(
        `${FOOTER}<a href="https://example.com/consent/api/unsubscribe/t">x</a>`,
        {},
        {
          publicBaseUrl: 'https://example.com/consent/',
        },
      ),
    ).toEqual([]);
  });

  it('does not count other links, bare pages or hidden links', () => {
    for (const html of [
      `<div style="display: none">${LINK}</div>`,
      `<div hidden><p>${LINK}</p></div>`,
      `<template>${LINK}</template>`,
      `<!-- ${LINK} -->`,
      '<a href="https://consent.example.com/api/unsubscribe/">x</a>',
      '<a href="https://consent.example.com/api/unsubscribe">x</a>',
      '<a href="https://evil.example.com/api/unsubscribe/x">x</a>',
      '<a href="http://consent.example.com/api/unsubscribe/x">x</a>',
      '<a href="https://consent.example.com/unsubscribe/x">x</a>',
      '<a href="/api/unsubscribe/x">x</a>',
      '<a>https://consent.example.com/api/unsubscribe/x</a>',
      '<a href="{{ unsubscribeUrl }}">x</a>',
      '<a href="https://brand.example.com/other">x</a>',
      '<link href="https://consent.example.com/api/unsubscribe/x">',
    ])
      expect(codes(FOOTER + html), html).toEqual(['missing-unsubscribe-link']);
    expect(
      codes(
        FOOTER + '<a href="https://brand.example.com/preferences">x</a>',
        {},
        { preferenceCenterUrl: undefined },
      ),
    ).toEqual(['missing-unsubscribe-link']);
  });

  it('reads a text-only email as it is', () => {
    const text = `Sale!\n${ADDRESS}\nUnsubscribe: <https://consent.example.com/api/unsubscribe/tok>.`;
    expect(review({ text }).findings).toEqual([]);
    expect(review({ text: `Sale! ${ADDRESS}` }).findings.map((f) => f.code)).toEqual([
      'missing-unsubscribe-link',
    ]);
    expect(
      review({ text: 'Sale! (https://consent.example.com/api/preferences/x)' }).findings.map((f) => f.code),
    ).toEqual(['missing-company-address']);
    // HTML wins over the text part when both are given.
    expect(review({ html: '<p>Sale</p>', text }).findings.map((f) => f.code)).toEqual([
      'missing-company-address',
      'missing-unsubscribe-link',
    ]);
    expect(review({}).findings.map((f) => f.code)).toEqual([
      'missing-company-address',
      'missing-unsubscribe-link',
    ]);
  });
});

describe('ready to send: one-click headers', () => {
  const html = FOOTER + LINK;
  const good = {
    'List-Unsubscribe': '<mailto:u@example.com>, <https://consent.example.com/api/unsubscribe/tok>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };

  it('accepts an https URL with the one-click post, header names in any case', () => {
    expect(codes(html, { headers: good })).toEqual([]);
    expect(
      codes(html, {
        headers: {
          'list-unsubscribe': good['List-Unsubscribe'],
          'LIST-UNSUBSCRIBE-POST': ' list-unsubscribe=one-click ',
        },
      }),
    ).toEqual([]);
    expect(codes(html)).toEqual([]); // no headers given: nothing to check
  });

  it('finds what is missing', () => {
    for (const headers of <Record<string, string>[]>[
      { ...good, 'List-Unsubscribe': '<mailto:u@example.com>' },
      { ...good, 'List-Unsubscribe': 'https://consent.example.com/api/unsubscribe/tok' },
      { ...good, 'List-Unsubscribe-Post': 'List-Unsubscribe=Yes' },
      { 'List-Unsubscribe': good['List-Unsubscribe'] },
      { 'List-Unsubscribe-Post': good['List-Unsubscribe-Post'] },
      {},
    ])
      expect(codes(html, { headers }), JSON.stringify(headers)).toEqual(['missing-one-click-headers']);
    const [mailto] = review({
      html,
      headers: { ...good, 'List-Unsubscribe': '<mailto:u@example.com>' },
    }).findings;
    expect(mailto!.message).toContain('mailto');
  });
});

describe('ready to send: texts, other channels and purposes', () => {
  it('asks a text for a STOP keyword as a whole word', () => {
    expect(sms('Sale! Reply STOP to end')).toEqual([]);
    expect(sms('Sale! reply stop.')).toEqual([]);
    expect(sms('Sale! Reply ＳＴＯＰ to opt out')).toEqual([]);
    expect(sms('Sale!\nText "end" to quit')).toEqual([]);
    expect(sms('STOPPED by our store?')).toEqual(['missing-opt-out-instructions']);
    expect(sms('NONSTOP savings, unstoppable')).toEqual(['missing-opt-out-instructions']);
    expect(sms('')).toEqual(['missing-opt-out-instructions']);
    expect(review({ channel: 'sms' }).findings.map((f) => f.code)).toEqual(['missing-opt-out-instructions']);
  });

  it('reads keywords of any script and of several words', () => {
    const optOutKeywords = ['ARRÊT', 'STOPP', 'रोकें', 'OPT OUT'];
    expect(sms('Soldes ! Répondez ARRE\u0302T', { optOutKeywords })).toEqual([]); // decomposed Ê
    expect(sms('Angebot! Antworte stopp', { optOutKeywords })).toEqual([]);
    expect(sms('ऑफ़र! रोकें भेजें', { optOutKeywords })).toEqual([]);
    expect(sms('ऑफ़र! रोक भेजें', { optOutKeywords })).toEqual(['missing-opt-out-instructions']);
    expect(sms('Reply opt-out to leave', { optOutKeywords })).toEqual([]);
    expect(sms('Reply OPT to leave', { optOutKeywords })).toEqual(['missing-opt-out-instructions']);
  });

  it('reads the text of a text message, or its HTML when it has no text', () => {
    expect(review({ channel: 'sms', html: '<p>Reply <b>STOP</b></p>' }).findings).toEqual([]);
    expect(review({ channel: 'sms', html: '<p style="display:none">Reply STOP</p>' }).findings).toHaveLength(
      1,
    );
    expect(review({ channel: 'sms', html: '<p>Reply STOP</p>', text: 'Sale!' }).findings).toHaveLength(1);
  });

  it('has no findings for transactional messages, voice and custom channels', () => {
    expect(review({ purposeType: 'transactional', html: '<p>Receipt</p>', headers: {} })).toEqual({
      ready: true,
      findings: [],
    });
    expect(review({ channel: 'sms', purposeType: 'transactional', text: 'Your code is 1234' })).toEqual({
      ready: true,
      findings: [],
    });
    for (const channel of ['voice', 'custom'])
      expect(review({ channel, text: 'Hi' })).toEqual({ ready: true, findings: [] });
  });

  it('lists findings in REVIEW_CODES order, each with a sentence', () => {
    const result = review({ html: '<p>Sale</p>', headers: {} }, { publicBaseUrl: 'not a url' });
    expect(result.ready).toBe(false);
    expect(result.findings.map((f) => f.code)).toEqual(REVIEW_CODES.slice(0, 3));
    for (const finding of result.findings) expect(finding.message).toMatch(/^[A-Z].+\.$/);
  });

  it('reads HTML nested as deep as allowed, and refuses one level more naming html', () => {
    const nested = (depth: number) => '<div>'.repeat(depth) + FOOTER + LINK + '</div>'.repeat(depth);
    // FOOTER's <p> and LINK's <a> are two levels of their own.
    expect(codes(nested(MAX_HTML_DEPTH - 2))).toEqual([]);
    let refused: unknown;
    try {
      codes(nested(MAX_HTML_DEPTH - 1));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).details).toEqual([
      { path: 'html', message: `elements nest more than ${MAX_HTML_DEPTH} deep` },
    ]);
    // Unclosed, too: what the parser keeps open is what counts.
    expect(() => codes('<span>'.repeat(MAX_HTML_DEPTH + 1))).toThrow(ValidationError);
  });

  it('counts only what stays open: void elements, implied closes and siblings add no depth', () => {
    const many = MAX_HTML_DEPTH * 5;
    const body = [
      '<br>'.repeat(many), // void
      '<p>a'.repeat(many), // each <p> closes the one before
      `<ul>${'<li>x'.repeat(many)}</ul>`, // each <li> closes the one before
      '<table>' + '<tr><td>x'.repeat(many) + '</table>', // rows and cells close each other
      '<div><div>x</div></div>'.repeat(many),
    ].join('');
    expect(codes(body + FOOTER + LINK)).toEqual([]);
  });
});

describe('ready to send: properties', () => {
  const text = fc.string({ maxLength: 20 }).map((s) => `<p>${s.replace(/[<&]/g, ' ')}</p>`);
  const piece = fc.oneof(fc.constantFrom(FOOTER, LINK, '<p>Hello</p>', `<div hidden>${LINK}</div>`), text);
  const wrappers = fc.array(fc.constantFrom('div', 'span', 'section', 'td', 'strong', 'font'), {
    maxLength: 5,
  });
  const wrap = (html: string, tags: string[]) =>
    tags.reduce((inner, tag) => `<${tag}>${inner}</${tag}>`, html);

  it('keeps its answer when the same content is wrapped in more elements', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(piece, wrappers), { maxLength: 6 }), wrappers, (pieces, outer) => {
        const body = pieces.map(([html]) => html).join('');
        const wrapped = wrap(pieces.map(([html, tags]) => wrap(html, tags)).join(''), outer);
        expect(codes(wrapped)).toEqual(codes(body));
      }),
    );
    // Including a fragment that passes.
    fc.assert(
      fc.property(wrappers, wrappers, (inner, outer) => {
        expect(codes(wrap(wrap(FOOTER, inner) + LINK, outer))).toEqual([]);
      }),
    );
  });

  it('never finds the address only inside a hidden element', () => {
    const style = fc.constantFrom(
      'display:none',
      'display: NONE !important',
      'visibility:hidden',
      'color:red; display:none;',
    );
    fc.assert(
      fc.property(
        fc.array(
          piece.filter((p) => p !== FOOTER),
          { maxLength: 4 },
        ),
        style,
        wrappers,
        (noise, css, tags) => {
          const hidden = `<div style="${css}">${wrap(FOOTER, tags)}</div>`;
          const html = [...noise.slice(0, 2), hidden, ...noise.slice(2)].join('');
          expect(codes(html)).toContain('missing-company-address');
        },
      ),
    );
  });
});
