import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../shared/config';

const empty = mkdtempSync(join(tmpdir(), 'storage-settings-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

const parse = (env: Record<string, string>) => parseConfig(env, empty);
const CLIENT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const KEYED =
  'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net';

/** The message of the ConfigError `env` is refused with. */
function refusal(env: Record<string, string>): string {
  try {
    parse(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}

describe('storage connections', () => {
  it('defaults to the local development storage, for the host and the consent data', () => {
    const config = parse({});
    expect(config.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
    expect(config.consentStorage).toEqual({
      setting: 'AzureWebJobsStorage',
      kind: 'connectionString',
      connectionString: 'UseDevelopmentStorage=true',
    });
  });

  it('keeps consent data on AzureWebJobsStorage when CONSENT_STORAGE is not given', () => {
    expect(parse({ AzureWebJobsStorage: KEYED }).consentStorage).toEqual({
      setting: 'AzureWebJobsStorage',
      kind: 'connectionString',
      connectionString: KEYED,
    });
  });

  it('reads an account name as its table endpoint, with the system-assigned or a user-assigned identity', () => {
    expect(
      parse({
        AzureWebJobsStorage__accountName: 'consentdata',
        AzureWebJobsStorage__credential: 'managedidentity',
      }).consentStorage,
    ).toEqual({
      setting: 'AzureWebJobsStorage',
      kind: 'identity',
      tableServiceUri: 'https://consentdata.table.core.windows.net',
      credential: 'managedidentity',
    });
    expect(
      parse({
        AzureWebJobsStorage__accountName: 'consentdata',
        AzureWebJobsStorage__credential: 'ManagedIdentity',
        AzureWebJobsStorage__clientId: CLIENT_ID,
      }).consentStorage,
    ).toMatchObject({ credential: 'managedidentity', clientId: CLIENT_ID });
  });

  it('uses the default credential chain without __credential, as the Functions host does', () => {
    const config = parse({
      AzureWebJobsStorage__tableServiceUri: 'https://consentdata.table.core.windows.net/',
    });
    expect(config.consentStorage).toEqual({
      setting: 'AzureWebJobsStorage',
      kind: 'identity',
      tableServiceUri: 'https://consentdata.table.core.windows.net',
      credential: 'default',
    });
    // The host's own connection has no connection string: no development storage is made up for it.
    expect(config.AzureWebJobsStorage).toBeUndefined();
  });

  it('takes a Cosmos DB for Table endpoint and a path-style emulator endpoint as tableServiceUri', () => {
    for (const uri of [
      'https://consent.table.cosmos.azure.com:443',
      'https://127.0.0.1:10002/devstoreaccount1',
    ]) {
      expect(
        parse({
          AzureWebJobsStorage__tableServiceUri: uri,
          AzureWebJobsStorage__credential: 'managedidentity',
        }).consentStorage,
      ).toMatchObject({ kind: 'identity', tableServiceUri: uri });
    }
  });

  it('puts consent data on CONSENT_STORAGE when given, in either form, whatever the host uses', () => {
    expect(
      parse({ AzureWebJobsStorage: KEYED, CONSENT_STORAGE: 'UseDevelopmentStorage=true' }).consentStorage,
    ).toEqual({
      setting: 'CONSENT_STORAGE',
      kind: 'connectionString',
      connectionString: 'UseDevelopmentStorage=true',
    });
    const config = parse({
      AzureWebJobsStorage__blobServiceUri: 'https://hostacct.blob.core.windows.net',
      AzureWebJobsStorage__queueServiceUri: 'https://hostacct.queue.core.windows.net',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: CLIENT_ID,
      CONSENT_STORAGE__accountName: 'consentdata',
      CONSENT_STORAGE__credential: 'managedidentity',
    });
    expect(config.consentStorage).toEqual({
      setting: 'CONSENT_STORAGE',
      kind: 'identity',
      tableServiceUri: 'https://consentdata.table.core.windows.net',
      credential: 'managedidentity',
    });
  });

  it('reads the setting names ignoring case, as the host does', () => {
    expect(
      parse({
        azurewebjobsstorage__AccountName: 'consentdata',
        AZUREWEBJOBSSTORAGE__CREDENTIAL: 'managedidentity',
      }).consentStorage,
    ).toMatchObject({ kind: 'identity', tableServiceUri: 'https://consentdata.table.core.windows.net' });
  });

  it('reads identity settings from local.settings.json too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'storage-settings-'));
    try {
      writeFileSync(
        join(dir, 'local.settings.json'),
        JSON.stringify({ Values: { CONSENT_STORAGE__accountName: 'fromfile' } }),
      );
      expect(parseConfig({}, dir).consentStorage).toMatchObject({
        setting: 'CONSENT_STORAGE',
        tableServiceUri: 'https://fromfile.table.core.windows.net',
        credential: 'default',
      });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('half-given storage connections are named', () => {
  it('__clientId or __credential without an endpoint', () => {
    expect(
      refusal({
        AzureWebJobsStorage__clientId: CLIENT_ID,
        AzureWebJobsStorage__credential: 'managedidentity',
      }),
    ).toMatch(
      /AzureWebJobsStorage__credential, AzureWebJobsStorage__clientId: the consent tables need AzureWebJobsStorage__accountName or AzureWebJobsStorage__tableServiceUri/,
    );
    expect(refusal({ CONSENT_STORAGE__credential: 'managedidentity' })).toMatch(
      /CONSENT_STORAGE__credential: the consent tables need CONSENT_STORAGE__accountName or CONSENT_STORAGE__tableServiceUri/,
    );
  });

  it('host-only endpoints where the consent tables would be', () => {
    expect(
      refusal({ AzureWebJobsStorage__blobServiceUri: 'https://hostacct.blob.core.windows.net' }),
    ).toMatch(
      /AzureWebJobsStorage__blobServiceUri: the consent tables need .* \(or a separate CONSENT_STORAGE connection\)/,
    );
  });

  it('__clientId without __credential=managedidentity', () => {
    expect(
      refusal({ AzureWebJobsStorage__accountName: 'consentdata', AzureWebJobsStorage__clientId: CLIENT_ID }),
    ).toMatch(
      /AzureWebJobsStorage__clientId: names a user-assigned identity only with AzureWebJobsStorage__credential=managedidentity/,
    );
  });

  it('both __accountName and __tableServiceUri', () => {
    expect(
      refusal({
        CONSENT_STORAGE__accountName: 'consentdata',
        CONSENT_STORAGE__tableServiceUri: 'https://consentdata.table.core.windows.net',
      }),
    ).toMatch(
      /CONSENT_STORAGE__tableServiceUri: CONSENT_STORAGE__accountName is given too: give one of them/,
    );
  });

  it('a credential other than managedidentity', () => {
    expect(
      refusal({
        AzureWebJobsStorage__accountName: 'consentdata',
        AzureWebJobsStorage__credential: 'clientsecret',
      }),
    ).toMatch(/AzureWebJobsStorage__credential: only 'managedidentity' is supported/);
  });

  it('a connection string and identity settings for the same connection', () => {
    expect(refusal({ AzureWebJobsStorage: KEYED, AzureWebJobsStorage__accountName: 'consentdata' })).toMatch(
      /AzureWebJobsStorage: a connection string, and AzureWebJobsStorage__accountName too: give one or the other/,
    );
    expect(
      refusal({
        CONSENT_STORAGE: KEYED,
        CONSENT_STORAGE__credential: 'managedidentity',
        AzureWebJobsStorage: KEYED,
      }),
    ).toMatch(/CONSENT_STORAGE: a connection string, and CONSENT_STORAGE__credential too/);
  });

  it('the host connection’s own mistakes even when consent data is elsewhere', () => {
    expect(
      refusal({
        AzureWebJobsStorage__credential: 'managedidentity',
        CONSENT_STORAGE: 'UseDevelopmentStorage=true',
      }),
    ).toMatch(
      /AzureWebJobsStorage__credential: given without AzureWebJobsStorage__accountName or a service URI/,
    );
  });

  it('malformed values', () => {
    expect(refusal({ AzureWebJobsStorage__accountName: 'Consent-Data' })).toMatch(
      /AzureWebJobsStorage__accountName: a storage account name/,
    );
    expect(
      refusal({ AzureWebJobsStorage__tableServiceUri: 'http://consentdata.table.core.windows.net' }),
    ).toMatch(/AzureWebJobsStorage__tableServiceUri: an https URL/);
    expect(
      refusal({
        CONSENT_STORAGE__accountName: 'consentdata',
        CONSENT_STORAGE__credential: 'managedidentity',
        CONSENT_STORAGE__clientId: 'my-identity',
      }),
    ).toMatch(/CONSENT_STORAGE__clientId: the client ID \(a GUID\)/);
  });
});
