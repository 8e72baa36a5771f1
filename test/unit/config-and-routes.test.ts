import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../shared/config';
import { compileRoute } from '../../shared/local-host/server';
import { profileShapeProblems, idsTakenByOthers } from '../../shared/domain/profile-rules';
import { DEFAULT_PROFILE } from '../../shared/domain/catalog';

describe('parseConfig', () => {
  const empty = mkdtempSync(join(tmpdir(), 'cfg-'));

  it('has working defaults', () => {
    const config = parseConfig({}, empty);
    expect(config).toMatchObject({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      CONSENT_TABLE_PREFIX: 'consent',
      DEFAULT_PHONE_REGION: 'US',
      PORT: 7071,
    });
  });

  it('names a bad setting', () => {
    expect(() => parseConfig({ DEFAULT_PHONE_REGION: 'XX' }, empty)).toThrow(/DEFAULT_PHONE_REGION/);
    expect(() => parseConfig({ CONSENT_TABLE_PREFIX: '1-bad' }, empty)).toThrow(ConfigError);
    expect(() => parseConfig({ STORAGE_TIMEOUT_MS: 'soon' }, empty)).toThrow(/STORAGE_TIMEOUT_MS/);
  });

  it('reads local.settings.json Values, with the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    try {
      writeFileSync(
        join(dir, 'local.settings.json'),
        JSON.stringify({ Values: { CONSENT_TABLE_PREFIX: 'fromfile', DEFAULT_PHONE_REGION: 'GB' } }),
      );
      expect(parseConfig({ DEFAULT_PHONE_REGION: 'FR' }, dir)).toMatchObject({
        CONSENT_TABLE_PREFIX: 'fromfile',
        DEFAULT_PHONE_REGION: 'FR',
      });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('compileRoute', () => {
  it('matches Functions route templates under the prefix, case-insensitively', () => {
    const { pattern, params } = compileRoute('api', 'profiles/{profileId}');
    expect(params).toEqual(['profileId']);
    expect(pattern.exec('/api/profiles/abc')?.[1]).toBe('abc');
    expect(pattern.test('/API/Profiles/abc/')).toBe(true);
    expect(pattern.test('/api/profiles')).toBe(false);
    expect(pattern.test('/api/profiles/a/b')).toBe(false);
    const optional = compileRoute('api', 'items/{id:int?}');
    expect(optional.pattern.test('/api/items')).toBe(true);
    expect(optional.pattern.exec('/api/items/7')?.[1]).toBe('7');
  });
});

describe('profile rules', () => {
  it('accepts the default profile and names each broken rule', () => {
    expect(profileShapeProblems(DEFAULT_PROFILE)).toEqual([]);
    const broken = {
      ...DEFAULT_PROFILE,
      purposes: [
        ...DEFAULT_PROFILE.purposes,
        { id: 'commercial', name: 'again', type: 'commercial' as const, enforcement: 'restrictive' as const },
        {
          id: 't2',
          name: 'tracking 2',
          type: 'tracking' as const,
          enforcement: 'disabled' as const,
          topics: [{ id: 'x', name: 'x' }],
        },
      ],
    };
    const paths = profileShapeProblems(broken).map((p) => p.path);
    expect(paths).toEqual(['purposes', 'purposes[3].id', 'purposes[4].topics']);
    expect(
      idsTakenByOthers({ ...DEFAULT_PROFILE, id: 'other' }, [DEFAULT_PROFILE]).map((p) => p.message),
    ).toHaveLength(3);
    expect(idsTakenByOthers(DEFAULT_PROFILE, [DEFAULT_PROFILE])).toEqual([]);
  });
});

describe('decodePath (as the Functions host unescapes paths)', () => {
  it('unescapes UTF-8, keeps %2F and any invalid escape as they are', async () => {
    const { decodePath } = await import('../../shared/local-host/server');
    expect(decodePath('/api/profiles/caf%C3%A9')).toBe('/api/profiles/café');
    expect(decodePath('/api/profiles/a%2Fb')).toBe('/api/profiles/a%2Fb');
    expect(decodePath('/api/profiles/a%2f%41')).toBe('/api/profiles/a%2fA');
    expect(decodePath('/api/unsubscribe/%00%ff')).toBe('/api/unsubscribe/\u0000%ff');
    expect(decodePath('/api/x/%E2%82')).toBe('/api/x/%E2%82');
    expect(decodePath('/api/x/%zz%4')).toBe('/api/x/%zz%4');
  });
});
