import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, qs, uniqueEmail } from '../support/client';
import { startIdentityEndpoint, type IdentityEndpoint, type TokenKind } from '../support/identity-endpoint';
import { startAzurite, startHost, type RunningAzurite, type RunningHost } from '../support/processes';
import { throwawayTls, type ThrowawayTls } from '../support/tls';

/*
 * Identity-based storage connections, for real: Azurite serves HTTPS with a throwaway CA and accepts
 * bearer tokens (OAuth "basic"); the host gets its tokens from a managed identity endpoint that
 * speaks App Service's protocol, and holds no account key.
 */

const USER_ASSIGNED = '6f1c2b3a-5d4e-4f60-9a8b-7c6d5e4f3a2b';
const PREFIX = 'idtest';

let dir: string;
let tls: ThrowawayTls;
let azurite: RunningAzurite;
const started: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'consent-identity-'));
  tls = await throwawayTls(dir);
  azurite = await startAzurite({ port: 0, cert: tls.cert, key: tls.key, oauth: 'basic' });
  started.push(azurite);
});
afterAll(async () => {
  for (const running of started.reverse()) await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A host whose consent data is on `connection` (identity settings only), with tokens of `kind`. */
async function identityHost(
  connection: Record<string, string>,
  kind: TokenKind = 'valid',
): Promise<{ host: RunningHost; identity: IdentityEndpoint; env: Record<string, string> }> {
  const identity = await startIdentityEndpoint(kind);
  started.push(identity);
  const env = {
    ...connection,
    ...identity.env,
    NODE_EXTRA_CA_CERTS: tls.ca,
    CONSENT_TABLE_PREFIX: PREFIX,
    PROFILE_CACHE_SECONDS: '0',
  };
  // Away from the project's local.settings.json: a connection string there would clash with these.
  const host = await startHost(env, { cwd: dir });
  started.push(host);
  return { host, identity, env };
}

const record = (contactPoint: string, value: 'optedIn' | 'optedOut') => ({
  channel: 'email',
  contactPoint,
  purposeId: 'commercial',
  value,
});
const checkOf = (contactPoint: string) => ({
  messages: [
    { messageId: 'm1', channel: 'email', contactPoint, profileId: 'default', purposeId: 'commercial' },
  ],
});

/** An HTTPS request to Azurite without any credential, trusting the throwaway CA. */
function anonymousStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: readFileSync(tls.ca), headers: { accept: 'application/json' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

describe('managed identity (user-assigned) against table storage that takes bearer tokens', () => {
  let api: ReturnType<typeof apiClient>;
  let identity: IdentityEndpoint;
  let env: Record<string, string>;

  beforeAll(async () => {
    const running = await identityHost({
      AzureWebJobsStorage__tableServiceUri: azurite.tableEndpoint,
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: USER_ASSIGNED,
    });
    identity = running.identity;
    env = running.env;
    api = apiClient(running.host.url, null);
  });

  it('holds no account key or connection string in its settings', () => {
    expect(JSON.stringify(env)).not.toMatch(/AccountKey|SharedAccessSignature|DefaultEndpointsProtocol/i);
    expect(Object.keys(env)).not.toContain('AzureWebJobsStorage');
    expect(env.AzureWebJobsStorage__tableServiceUri).toMatch(
      /^https:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/,
    );
  });

  it('the store refuses a request that carries no credential', async () => {
    expect(await anonymousStatus(`${azurite.tableEndpoint}/Tables`)).toBe(403);
  });

  it('writes, reads and checks consent', async () => {
    const email = uniqueEmail('identity');
    expect((await api.get('/api/health')).body).toEqual({ status: 'ok', storage: 'ok' });
    expect((await api.post('/api/check', checkOf(email))).body.decisions[0].decision).toBe('sent');

    const written = await api.post('/api/consents', record(email, 'optedOut'));
    expect(written.status).toBe(200);
    expect(written.body.results[0].outcome).toBe('created');

    const read = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`);
    expect(read.status).toBe(200);
    expect(read.body.records).toEqual([
      expect.objectContaining({ purposeId: 'commercial', value: 'optedOut' }),
    ]);

    const checked = await api.post('/api/check', checkOf(email));
    expect(checked.status).toBe(200);
    expect(checked.body.decisions[0]).toMatchObject({ decision: 'blocked', reasons: ['purpose-opted-out'] });
  });

  it('asked for storage tokens for the user-assigned identity, and reused them', async () => {
    expect(identity.requests.length).toBeGreaterThan(0);
    expect(new Set(identity.requests.map((r) => `${r.resource} ${r.clientId}`))).toEqual(
      new Set([`https://storage.azure.com ${USER_ASSIGNED}`]),
    );
    // Tokens are cached: at most one request per table client, however many storage calls were made.
    expect(identity.requests.length).toBeLessThanOrEqual(3);
  });
});

describe('a token the store does not accept gets 503, never a guess', () => {
  const connection = {
    AzureWebJobsStorage__tableServiceUri: '',
    AzureWebJobsStorage__credential: 'managedidentity',
  };
  let good: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    connection.AzureWebJobsStorage__tableServiceUri = azurite.tableEndpoint;
    good = apiClient((await identityHost(connection)).host.url, null);
  });

  for (const kind of ['expired', 'wrong-audience'] as const) {
    it(`${kind} token: checks, writes, reads and health answer 503, and nothing is written`, async () => {
      const { host, identity } = await identityHost(connection, kind);
      const api = apiClient(host.url, null);
      const email = uniqueEmail(kind);

      const check = await api.post('/api/check', checkOf(email));
      expect(check.status).toBe(503);
      expect(check.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(JSON.stringify(check.body)).not.toMatch(/"decision"|"sent"/);
      expect((await api.post('/api/consents', record(email, 'optedOut'))).status).toBe(503);
      expect((await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`)).status).toBe(
        503,
      );
      const health = await api.get('/api/health');
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ status: 'degraded', storage: 'unavailable' });
      // The system-assigned identity asked for a storage token: the token, not the request, was wrong.
      expect(identity.requests[0]).toEqual({ resource: 'https://storage.azure.com', clientId: undefined });

      const stored = await good.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`);
      expect(stored.status).toBe(200);
      expect(stored.body.records).toEqual([]);
    });
  }
});

describe('CONSENT_STORAGE keeps consent data apart from the host storage', () => {
  it('reads and writes consent through CONSENT_STORAGE, never through AzureWebJobsStorage', async () => {
    const { host } = await identityHost({
      // The host's own account: unreachable from here, so any use of it would fail the requests.
      AzureWebJobsStorage__accountName: 'hoststorageunused',
      AzureWebJobsStorage__credential: 'managedidentity',
      CONSENT_STORAGE__tableServiceUri: azurite.tableEndpoint,
      CONSENT_STORAGE__credential: 'managedidentity',
    });
    const api = apiClient(host.url, null);
    const email = uniqueEmail('separate');
    expect((await api.post('/api/consents', record(email, 'optedIn'))).body.results[0].outcome).toBe(
      'created',
    );
    const checked = await api.post('/api/check', checkOf(email));
    expect(checked.status).toBe(200);
    expect(checked.body.decisions[0].decision).toBe('sent');
  });
});
