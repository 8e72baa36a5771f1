import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../shared/domain/model';
import { MAX_KEY_BYTES, contactPointKey, escapeKeyPart, historyRowKey } from '../../shared/storage/keys';

// Azure Table Storage forbids these in PartitionKey/RowKey; '%' is escaped too (see keys.ts).
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[/\\#?%\u0000-\u001f\u007f-\u009f]/;

const addresses = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }).filter((s) => s.isWellFormed()),
  fc.constantFrom("o'brien/x#y?z@example.com", 'a\\b@x.com', '!21', '~abc', '%41', ''),
);

describe('contactPointKey', () => {
  it('is injective: different (channel, address) pairs never share a key', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CHANNELS),
        addresses,
        fc.constantFrom(...CHANNELS),
        addresses,
        (c1, a1, c2, a2) => {
          fc.pre(c1 !== c2 || a1 !== a2);
          expect(contactPointKey(c1, a1)).not.toBe(contactPointKey(c2, a2));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('escaping alone is injective and decodable (escaped keys are a prefix-free code)', () => {
    const decode = (key: string): string => {
      const bytes: number[] = [];
      for (let i = 0; i < key.length; i++) {
        if (key[i] === '!') {
          bytes.push(parseInt(key.slice(i + 1, i + 3), 16));
          i += 2;
        } else bytes.push(key.charCodeAt(i));
      }
      return Buffer.from(bytes).toString('utf8');
    };
    fc.assert(
      fc.property(addresses, (address) => {
        expect(decode(escapeKeyPart(address))).toBe(address);
      }),
      { numRuns: 5_000 },
    );
  });

  it('stays within every backend key limit and never holds a forbidden character', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CHANNELS), addresses, (channel, address) => {
        const key = contactPointKey(channel, address);
        expect(Buffer.byteLength(key, 'utf8')).toBeLessThanOrEqual(MAX_KEY_BYTES);
        expect(key).not.toMatch(FORBIDDEN);
        expect(key).toMatch(/^[\x21-\x7e]+$/);
      }),
      { numRuns: 10_000 },
    );
  });

  it('keeps long addresses apart through the digest form', () => {
    const long = 'x'.repeat(600);
    expect(contactPointKey('custom', long)).toMatch(/^c~/);
    expect(contactPointKey('custom', long)).not.toBe(contactPointKey('custom', `${long}y`));
    expect(contactPointKey('email', "o'brien/x#y?z@example.com")).toBe('eo!27brien!2Fx!23y!3Fz@example.com');
  });
});

describe('historyRowKey', () => {
  it('sorts newer entries first', () => {
    const keys = [1, 2, 10, 11, 999_999].map(historyRowKey);
    expect([...keys].sort()).toEqual([...keys].reverse());
  });
});
