/* "Ready to send", the pure review (issue 24): what a reader sees, parsed as HTML. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reviewMessage, type ReviewContext } from '../../shared/domain/message-review';

const context: ReviewContext = {
  companyAddress: 'Contoso Ltd, 1 Main Street, Springfield',
  preferenceCenterUrl: 'https://brand.example.com/preferences',
  publicBaseUrl: 'https://consent.example.com',
  optOutKeywords: ['STOP', 'UNSUBSCRIBE', 'END'],
  unsubscribePlaceholders: ['{{unsubscribeUrl}}'],
};
const FOOTER = '<p>Contoso Ltd<br>1 Main Street<br/>Springfield</p>';
const LINK = '<a href="https://consent.example.com/api/unsubscribe/tok">Unsubscribe</a>';
const codes = (html: string, extra: object = {}) =>
  reviewMessage({ channel: 'email', purposeType: 'commercial', html, ...extra }, context).findings.map(
    (f) => f.code,
  );

describe('ready to send', () => {
  it('is ready with the address and a link, whatever the layout', () => {
    expect(codes(`<html><body>${FOOTER}${LINK}</body></html>`)).toEqual([]);
    expect(codes('<td>contoso ltd,</td><td>1 MAIN STREET</td><td>Springfield.</td>' + LINK)).toEqual([]);
    expect(
      codes(FOOTER + '<a href="HTTPS://CONSENT.EXAMPLE.COM/API/PREFERENCES/x?a=1&amp;b=2">Prefs</a>'),
    ).toEqual([]);
    expect(codes(FOOTER + '<a href="https://brand.example.com/preferences?id=1">Prefs</a>')).toEqual([]);
    expect(codes(FOOTER + '<a href="{{unsubscribeUrl}}">Unsubscribe</a>')).toEqual([]);
  });

  it('does not count what a reader cannot see', () => {
    for (const hiddenAddress of [
      `<div style="display:none">${FOOTER}</div>`,
      `<div style="color: red; visibility : hidden">${FOOTER}</div>`,
      `<div hidden>${FOOTER}</div>`,
      '<head><title>Contoso Ltd, 1 Main Street, Springfield</title></head>',
      '<script>var a = "Contoso Ltd, 1 Main Street, Springfield";</script>',
      '<!-- Contoso Ltd, 1 Main Street, Springfield -->',
      '<p data-x="Contoso Ltd, 1 Main Street, Springfield">Hi</p>',
    ])
      expect(codes(hiddenAddress + LINK), hiddenAddress).toEqual(['missing-company-address']);
    expect(codes(FOOTER + `<div style="display: none">${LINK}</div>`)).toEqual(['missing-unsubscribe-link']);
    expect(codes(FOOTER + '<a href="https://consent.example.com/api/unsubscribe/">x</a>')).toEqual([
      'missing-unsubscribe-link',
    ]);
    expect(codes(FOOTER + '<a href="https://evil.example.com/api/unsubscribe/x">x</a>')).toEqual([
      'missing-unsubscribe-link',
    ]);
    // Part of a longer word is not the address.
    expect(codes('<p>XContoso Ltd 1 Main Street Springfield</p>' + LINK)).toEqual([
      'missing-company-address',
    ]);
  });

  it('checks one-click headers when they are given', () => {
    const html = FOOTER + LINK;
    const good = {
      'List-Unsubscribe': '<mailto:u@example.com>, <https://consent.example.com/api/unsubscribe/tok>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    };
    expect(codes(html, { headers: good })).toEqual([]);
    expect(
      codes(html, {
        headers: {
          'list-unsubscribe': good['List-Unsubscribe'],
          'LIST-UNSUBSCRIBE-POST': 'List-Unsubscribe=One-Click',
        },
      }),
    ).toEqual([]);
    expect(codes(html, { headers: { ...good, 'List-Unsubscribe': '<mailto:u@example.com>' } })).toEqual([
      'missing-one-click-headers',
    ]);
    expect(codes(html, { headers: { 'List-Unsubscribe': good['List-Unsubscribe'] } })).toEqual([
      'missing-one-click-headers',
    ]);
    expect(codes(html, { headers: {} })).toEqual(['missing-one-click-headers']);
  });

  it('asks a text for STOP instructions, a whole word; transactional messages have no findings', () => {
    const sms = (text: string) =>
      reviewMessage({ channel: 'sms', purposeType: 'commercial', text }, context).findings.map((f) => f.code);
    expect(sms('Sale! Reply STOP to end')).toEqual([]);
    expect(sms('Sale! reply stop.')).toEqual([]);
    expect(sms('Sale! Reply ＳＴＯＰ to opt out')).toEqual([]);
    expect(sms('STOPPED by our store?')).toEqual(['missing-opt-out-instructions']);
    expect(sms('')).toEqual(['missing-opt-out-instructions']);
    expect(
      reviewMessage({ channel: 'email', purposeType: 'transactional', html: '<p>Receipt</p>' }, context),
    ).toEqual({
      ready: true,
      findings: [],
    });
    expect(
      reviewMessage({ channel: 'email', purposeType: 'commercial' }, context).findings.map((f) => f.code),
    ).toEqual(['missing-company-address', 'missing-unsubscribe-link']);
    const noAddress = reviewMessage(
      { channel: 'email', purposeType: 'commercial', html: FOOTER + LINK },
      { ...context, companyAddress: undefined },
    );
    expect(noAddress.findings[0]!.message).toContain('no company address');
  });

  it('keeps its answer when the same content is wrapped in more elements (property)', () => {
    const tags = fc.constantFrom('div', 'span', 'section', 'td', 'strong', 'font');
    fc.assert(
      fc.property(
        fc.array(tags, { maxLength: 6 }),
        fc.boolean(),
        fc.boolean(),
        (wrappers, withAddress, withLink) => {
          const body = (withAddress ? FOOTER : '<p>Hello</p>') + (withLink ? LINK : '');
          const wrapped = wrappers.reduce((inner, tag) => `<${tag}>${inner}</${tag}>`, body);
          expect(codes(wrapped)).toEqual(codes(body));
        },
      ),
    );
  });

  it('never finds the address only inside a hidden element (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30 }),
        fc.constantFrom('display:none', 'display: NONE', 'visibility:hidden'),
        (noise, style) => {
          const html = `<p>${noise.replace(/[<&]/g, '')}</p><div style="${style}"><p>${FOOTER}</p></div>${LINK}`;
          expect(codes(html)).toContain('missing-company-address');
        },
      ),
    );
  });
});
