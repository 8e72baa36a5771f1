import { describe, expect, it } from 'vitest';
import { maskAddress, normalizeContactPoint } from '../../shared/domain/contact-point';

const norm = (channel: 'email' | 'sms' | 'voice' | 'custom', raw: string, region = 'US') =>
  normalizeContactPoint(channel, raw, region);

describe('normalizeContactPoint', () => {
  it('lower-cases and trims email addresses', () => {
    expect(norm('email', '  Alice@Example.COM ')).toEqual({
      ok: true,
      channel: 'email',
      address: 'alice@example.com',
    });
  });

  it.each([
    "o'brien/x#y?z@example.com",
    'a!#$%&*+-/=?^_`{|}~@example.com',
    'first.last@sub.example.co.uk',
    'x@localhost',
    'user@bücher.de',
  ])('accepts the RFC 5322 dot-atom address %s', (address) => {
    expect(norm('email', address).ok).toBe(true);
  });

  it.each([
    'plain',
    '@example.com',
    'a@',
    'a..b@example.com',
    '.a@example.com',
    'a@-x.com',
    'a b@example.com',
    `${'a'.repeat(65)}@x.com`,
    `a@${'b'.repeat(250)}.com`,
    'a@b@c',
  ])('rejects %s', (address) => {
    expect(norm('email', address).ok).toBe(false);
  });

  it('writes phone numbers in E.164 using the default region when no country code is given', () => {
    for (const spelling of ['(425) 555-0100', '425.555.0100', '+1 425 555 0100', '+14255550100']) {
      expect(norm('sms', spelling)).toEqual({ ok: true, channel: 'sms', address: '+14255550100' });
    }
    expect(norm('voice', '020 7946 0018', 'GB')).toEqual({
      ok: true,
      channel: 'voice',
      address: '+442079460018',
    });
  });

  it.each(['12', 'not a number', '+1 555', ''])('rejects the phone number %j', (raw) => {
    expect(norm('sms', raw).ok).toBe(false);
  });

  it('keeps custom addresses as given, trimmed, and refuses empty or malformed Unicode', () => {
    expect(norm('custom', '  Device/42#A  ')).toEqual({
      ok: true,
      channel: 'custom',
      address: 'Device/42#A',
    });
    expect(norm('custom', '   ').ok).toBe(false);
    expect(norm('custom', 'a\ud800b').ok).toBe(false);
    expect(norm('custom', 'x'.repeat(513)).ok).toBe(false);
  });
});

describe('maskAddress', () => {
  it('never returns the address itself', () => {
    expect(maskAddress('alice@example.com')).toBe('a***@example.com');
    expect(maskAddress('+14255550100')).toBe('***00');
  });
});
