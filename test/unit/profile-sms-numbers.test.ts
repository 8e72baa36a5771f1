import { describe, expect, it } from 'vitest';
import { buildCatalog, DEFAULT_PROFILE } from '../../shared/domain/catalog';
import type { Profile } from '../../shared/domain/model';
import { numbersTakenByOthers } from '../../shared/domain/profile-rules';
import { profileBodySchema } from '../../shared/api/platform/platform.schemas';

describe('smsNumbers on a profile', () => {
  const body = (smsNumbers: unknown) => ({ ...DEFAULT_PROFILE, smsNumbers });

  it('are stored in E.164', () => {
    const parsed = profileBodySchema.parse(body(['+1 425-555-0100', '+44 7911 123456']));
    expect(parsed.smsNumbers).toEqual(['+14255550100', '+447911123456']);
    expect(profileBodySchema.parse(DEFAULT_PROFILE).smsNumbers).toBeUndefined();
  });

  it('must be international, valid and listed once', () => {
    const result = profileBodySchema.safeParse(
      body(['4255550100', 'nope', '+1 425 555 0100', '+14255550100', 12]),
    );
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(
      expect.arrayContaining(['smsNumbers.0', 'smsNumbers.1', 'smsNumbers.4']),
    );
    const twice = profileBodySchema.safeParse(body(['+1 425 555 0100', '+14255550100']));
    expect(twice.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['smsNumbers.1', 'the number is listed twice'],
    ]);
    expect(
      profileBodySchema.safeParse(
        body(Array.from({ length: 101 }, (_, i) => `+1425555${String(i).padStart(4, '0')}`)),
      ).success,
    ).toBe(false);
  });
});

describe('smsNumbers across profiles', () => {
  const brand: Profile = { ...DEFAULT_PROFILE, id: 'brand', smsNumbers: ['+14255550100', '+14255550101'] };

  it('index the profile that sends from each number', () => {
    const catalog = buildCatalog([DEFAULT_PROFILE, brand], { checkContactConsent: true });
    expect(catalog.smsNumbers.get('+14255550101')).toBe(brand);
    expect(catalog.smsNumbers.get('+14255550102')).toBeUndefined();
    expect(catalog.smsNumbers.size).toBe(2);
  });

  it("a number another profile lists is taken; a profile's own numbers are not", () => {
    const other: Profile = { ...DEFAULT_PROFILE, id: 'other', smsNumbers: ['+14255550199', '+14255550101'] };
    expect(numbersTakenByOthers(other, [DEFAULT_PROFILE, brand])).toEqual([
      { path: 'smsNumbers[1]', message: 'the number belongs to profile "brand"' },
    ]);
    expect(numbersTakenByOthers(brand, [DEFAULT_PROFILE, brand])).toEqual([]);
    expect(numbersTakenByOthers(DEFAULT_PROFILE, [brand])).toEqual([]);
  });
});
