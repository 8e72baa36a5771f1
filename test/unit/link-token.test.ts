import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../shared/domain/model';
import { idReference, openLink, sealLink, type LinkClaims } from '../../shared/links/link-token';

const KEY = { id: 'k1', secret: 'a-long-enough-secret-for-tests-0123456789' };
const OTHER = { id: 'k2', secret: 'another-long-enough-secret-for-tests-9876' };

const claims = (overrides: Partial<LinkClaims> = {}): LinkClaims => ({
  kind: 'links',
  channel: 'email',
  address: 'alice@example.com',
  profileRef: idReference('default'),
  target: 'purpose',
  targetRef: idReference('commercial'),
  ...overrides,
});

describe('link tokens', () => {
  it('round-trip every combination of kind, channel, target and expiry', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('links', 'confirm') as fc.Arbitrary<LinkClaims['kind']>,
        fc.constantFrom(...CHANNELS),
        fc.constantFrom('profile', 'purpose', 'topic') as fc.Arbitrary<LinkClaims['target']>,
        fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
        fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }),
        (kind, channel, target, expiresAt, address) => {
          const sealed: LinkClaims = {
            kind,
            channel,
            address,
            profileRef: idReference('p'),
            target,
            ...(target !== 'profile' ? { targetRef: idReference('t') } : {}),
            ...(expiresAt !== undefined ? { expiresAt } : {}),
            ...(kind === 'confirm' ? { extra: Buffer.from('12345678') } : {}),
          };
          expect(openLink(sealLink(sealed, KEY), [KEY])).toEqual(sealed);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('are short: at most 250 characters for a 40-character address, 600 for any valid one', () => {
    const forty = `${'x'.repeat(28)}@example.com`;
    expect(forty).toHaveLength(40);
    const longest = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(longest).toHaveLength(254);
    const withEverything = { target: 'topic' as const, expiresAt: 2_000_000_000 };
    expect(sealLink(claims({ address: forty, ...withEverything }), KEY).length).toBeLessThanOrEqual(250);
    expect(sealLink(claims({ address: longest, ...withEverything }), KEY).length).toBeLessThanOrEqual(600);
  });

  it('are opaque: the address cannot be read from the token, and each token is new', () => {
    const address = 'alice.private@example.com';
    const a = sealLink(claims({ address }), KEY);
    const b = sealLink(claims({ address }), KEY);
    expect(a).not.toBe(b);
    for (const token of [a, b]) {
      const bytes = Buffer.from(token, 'base64url');
      expect(bytes.includes(Buffer.from('alice'))).toBe(false);
      expect(token.toLowerCase()).not.toContain('alice');
    }
  });

  it('any change makes them invalid: every flipped bit, truncation and extension', () => {
    const token = sealLink(claims(), KEY);
    const bytes = Buffer.from(token, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0, 3, 7]) {
        const changed = Buffer.from(bytes);
        changed[i]! ^= 1 << bit;
        expect(openLink(changed.toString('base64url'), [KEY]), `byte ${i} bit ${bit}`).toBeUndefined();
      }
    }
    for (let n = 0; n < bytes.length; n++)
      expect(openLink(bytes.subarray(0, n).toString('base64url'), [KEY])).toBeUndefined();
    expect(openLink(Buffer.concat([bytes, Buffer.from([0])]).toString('base64url'), [KEY])).toBeUndefined();
  });

  it('any change to the text makes them invalid, even one that decodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 60 }), (address) => {
        const token = sealLink(claims({ address }), KEY);
        const last = token[token.length - 1]!;
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        for (const c of alphabet) {
          if (c !== last) expect(openLink(token.slice(0, -1) + c, [KEY])).toBeUndefined();
          expect(openLink(token + c, [KEY])).toBeUndefined();
        }
        expect(openLink(`${token}=`, [KEY])).toBeUndefined();
      }),
      { numRuns: 50 },
    );
  });

  it('open only with a key they name: rotation accepts every listed key, an unknown key nothing', () => {
    const token = sealLink(claims(), OTHER);
    expect(openLink(token, [KEY])).toBeUndefined();
    expect(openLink(token, [KEY, OTHER])).toEqual(claims());
    // The same key id with another secret is another key.
    expect(openLink(token, [{ id: OTHER.id, secret: KEY.secret }])).toBeUndefined();
  });

  it('never throw, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 2000 }), fc.base64String({ maxLength: 800 })),
        (text) => {
          expect(() => openLink(text, [KEY])).not.toThrow();
        },
      ),
      { numRuns: 2000 },
    );
  });
});
