/*
 * AUTH_MODE=entra against a real local OpenID issuer: every key route for every role (the matrix
 * is derived from `operations`, so a new route cannot be forgotten), every way a token can be bad,
 * key rotation and an issuer outage, per-profile scopes, App Service's principal, and the audit.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { operations, type Operation } from '../../shared/api';
import { ROLES } from '../../shared/domain/access';
import { boundedClient, type Reply } from '../support/bounded-client';
import { qs, uniqueEmail } from '../support/client';
import { eventually } from '../support/eventually';
import { forgedTokens, OpenIdIssuer } from '../support/openid-issuer';
import { startHost, type RunningHost } from '../support/processes';

const AUDIENCE = 'api://consent-service';
const KEY = 'entra-function-key';
const tag = `${process.pid}${Date.now().toString(36)}`;
const BRAND_A = `ea-${tag}`;
const BRAND_B = `eb-${tag}`;
const keyRoutes = (Object.values(operations) as Operation[]).filter((op) => op.authLevel === 'function');

let issuer: OpenIdIssuer;
let host: RunningHost;
let platform: RunningHost;

const brand = (id: string) => ({
  name: `Brand ${id}`,
  purposes: [
    { id: `${id}-offers`, name: 'Offers', type: 'commercial', enforcement: 'nonRestrictive' },
    { id: `${id}-tracking`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
  ],
});

beforeAll(async () => {
  issuer = await OpenIdIssuer.start(AUDIENCE);
  const settings = {
    AzureWebJobsStorage: inject('storageConnection'),
    CONSENT_TABLE_PREFIX: 'entra',
    PROFILE_CACHE_SECONDS: '0',
    AUTH_MODE: 'entra',
    AUTH_ISSUER: issuer.url,
    AUTH_AUDIENCE: `other-audience, ${AUDIENCE}`,
    AUTH_KEY_REFETCH_SECONDS: '1',
    // Configured, yet under entra a function key authenticates nothing.
    LOCAL_FUNCTION_KEY: KEY,
  };
  [host, platform] = await Promise.all([
    startHost(settings),
    startHost({ ...settings, WEBSITE_AUTH_ENABLED: 'true' }),
  ]);
  const admin = await as(['Profiles.Manage']);
  for (const id of [BRAND_A, BRAND_B]) {
    const res = await admin.put(`/api/profiles/${id}`, brand(id));
    expect(res.status, res.text).toBe(201);
  }
});

afterAll(async () => {
  await Promise.all([host?.stop(), platform?.stop()]);
  await issuer?.stop();
});

/** A client whose every request carries a fresh token with these roles. */
async function as(roles: string[], extra: Parameters<OpenIdIssuer['token']>[0] = {}) {
  const token = await issuer.token({ roles, ...extra });
  const client = boundedClient(host.url, null);
  const auth = { authorization: `Bearer ${token}` };
  return {
    token,
    send: (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      client.send({
        method,
        path,
        ...(body !== undefined ? { body } : {}),
        headers: { ...auth, ...headers },
      }),
    get: (path: string, headers: Record<string, string> = {}) => client.get(path, { ...auth, ...headers }),
    post: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      client.post(path, body, { ...auth, ...headers }),
    put: (path: string, body: unknown) => client.put(path, body, auth),
  };
}

function pathOf(op: Operation): string {
  const params: Record<string, string> = { profileId: BRAND_A, path: 'msdynmkt_purposes' };
  return `/api/${op.route.replace(/\{\*?(\w+)[^}]*\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'x'))}`;
}

const bodyOf = (op: Operation) => (['GET', 'DELETE', 'OPTIONS'].includes(op.method) ? undefined : {});

function expectRefused(res: Reply, op: Operation, status: 401 | 403) {
  expect(res.status, `${op.method} ${op.route}: ${res.text}`).toBe(status);
  if (op.route.startsWith('data/')) expect(res.body).toMatchObject({ error: { code: expect.any(String) } });
  else expect(res.body).toMatchObject({ status, title: expect.any(String) });
}

describe('who may call which route: every key route for every role', () => {
  it('no credential, or only a function key: 401 with a Bearer challenge on every key route', async () => {
    const client = boundedClient(host.url, KEY);
    for (const op of keyRoutes) {
      const res = await client.send({ method: op.method, path: pathOf(op), body: bodyOf(op) });
      expectRefused(res, op, 401);
      expect(res.headers.get('www-authenticate'), op.route).toBe('Bearer');
    }
  });

  it.each<[string[]]>([[[]], ...ROLES.map((role): [string[]] => [[role]])])(
    'roles %j: the routes its role grants, 403 elsewhere',
    async (roles) => {
      const caller = await as(roles);
      for (const op of keyRoutes) {
        const res = await caller.send(op.method, pathOf(op), bodyOf(op));
        const granted =
          op.access === undefined || roles.includes(op.access) || roles.includes('Consent.Admin');
        if (granted) expect([401, 403], `${op.method} ${op.route} ${res.text}`).not.toContain(res.status);
        else {
          expectRefused(res, op, 403);
          expect(res.text, op.route).toContain(op.access);
        }
      }
    },
  );

  it('every key route names the role it needs, but the one that says who the caller is', () => {
    expect(keyRoutes.filter((op) => op.access === undefined).map((op) => op.route)).toEqual(['me']);
  });
});

describe('a token that does not verify is refused, saying only invalid_token', () => {
  const refused = async (token: string) => {
    const res = await boundedClient(host.url, null).get('/api/profiles', {
      authorization: `Bearer ${token}`,
    });
    expect(res.status, res.text).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(res.text).not.toMatch(/expired|audience|issuer|signature|kid/i);
  };
  const admin = { roles: ['Consent.Admin'] };

  it('expired, not yet valid, another issuer, another audience', async () => {
    await refused(await issuer.token({ ...admin, expiresIn: -301 - 60 }));
    await refused(await issuer.token({ ...admin, notBefore: 400 }));
    await refused(await issuer.token({ ...admin, issuer: 'https://login.example.com/other/v2.0' }));
    await refused(await issuer.token({ ...admin, audience: 'api://someone-else' }));
    // Within the five minutes of skew a clock may be off by, it is still good.
    const late = await as(['Consent.Admin'], { expiresIn: -120 });
    expect((await late.get('/api/profiles')).status).toBe(200);
  });

  it('a tampered signature, an unknown kid, alg none, HS256 with the public key as secret, garbage', async () => {
    const good = await issuer.token(admin);
    const [head, body, signature] = good.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const escalated = Buffer.from(JSON.stringify({ ...claims, roles: ['Consent.Admin', 'x'] })).toString(
      'base64url',
    );
    await refused(`${head}.${escalated}.${signature}`);
    await refused(`${head}.${body}.${signature!.slice(0, -4)}AAAA`);
    await refused(await issuer.token(admin, await issuer.unpublishedKey('RS256', 'never-published')));
    const forged = forgedTokens(issuer);
    await refused(forged.none);
    await refused(await forged.hmac);
    await refused('not.a.token');
    const res = await boundedClient(host.url, null).get('/api/profiles', {
      authorization: 'Basic dXNlcjpwYXNz',
    });
    expect(res.status).toBe(401);
  });

  it('ES256 tokens verify as well as RS256', async () => {
    const es = await as(['Consent.Read'], { kid: 'es256-2' });
    expect((await es.get('/api/profiles')).status).toBe(200);
  });
});

describe('keys at the issuer', () => {
  /** Asks until `done` holds: the service fetches keys again at most once a second. */
  const until = (call: () => Promise<Reply>, done: (res: Reply) => boolean) =>
    eventually(call, done, { timeoutMs: 5_000 });

  it('a key added at the issuer is used for its first tokens; unknown kids do not flood the issuer', async () => {
    const kid = await issuer.addKey('RS256', `rotated-${tag}`);
    const rotated = await as(['Consent.Read'], { kid });
    expect(
      (
        await until(
          () => rotated.get('/api/profiles'),
          (r) => r.status === 200,
        )
      ).status,
    ).toBe(200);
    const before = issuer.keyFetches;
    const stranger = await issuer.unpublishedKey('RS256', `stranger-${tag}`);
    const token = await issuer.token({ roles: ['Consent.Admin'] }, stranger);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        boundedClient(host.url, null).get('/api/profiles', { authorization: `Bearer ${token}` }),
      ),
    );
    expect(answers.every((r) => r.status === 401)).toBe(true);
    expect(issuer.keyFetches - before).toBeLessThanOrEqual(2);
  });

  it('an issuer outage is a 503 for a key not yet seen, never an open door; known keys still verify', async () => {
    const known = await as(['Consent.Read']);
    expect((await known.get('/api/profiles')).status).toBe(200);
    issuer.down = true;
    try {
      const unseen = await issuer.addKey('RS256', `during-outage-${tag}`);
      const fresh = await as(['Consent.Admin'], { kid: unseen });
      const res = await until(
        () => fresh.get('/api/profiles'),
        (r) => r.status === 503,
      );
      expect(res.status, res.text).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect((await known.get('/api/profiles')).status).toBe(200);
    } finally {
      issuer.down = false;
    }
  });
});

describe('roles scoped to a profile', () => {
  it('webhooks need Profiles.Manage for every profile: a scoped manager can neither see nor redirect them', async () => {
    const scoped = await as([`Profiles.Manage:${BRAND_A}`]);
    const url = 'https://receiver.example.com/hook';
    const answers = [
      await scoped.send('PUT', `/api/webhooks/spy-${tag}`, { url }),
      await scoped.get('/api/webhooks'),
      await scoped.get(`/api/webhooks/spy-${tag}`),
      await scoped.post(`/api/webhooks/spy-${tag}/replay`, {}),
      await scoped.send('DELETE', `/api/webhooks/spy-${tag}`),
    ];
    expect(answers.map((r) => r.status)).toEqual([403, 403, 403, 403, 403]);
    expect(answers[0]!.text).toContain('Profiles.Manage for all of them');
    const manager = await as(['Profiles.Manage']);
    const list = await manager.get('/api/webhooks');
    expect(list.status, list.text).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(`spy-${tag}`);
  });

  it('writes and checks naming another profile are a 403 naming each index; nothing is written', async () => {
    const email = uniqueEmail('scoped');
    const writer = await as([
      `Consent.Write:${BRAND_A}`,
      `Consent.Read:${BRAND_A}`,
      `Consent.Check:${BRAND_A}`,
    ]);
    const refused = await writer.post('/api/consents', {
      records: [
        { channel: 'email', contactPoint: email, purposeId: `${BRAND_A}-offers`, value: 'optedIn' },
        { channel: 'email', contactPoint: email, purposeId: `${BRAND_B}-offers`, value: 'optedIn' },
      ],
    });
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body.errors).toEqual([
      { index: 1, path: 'records[1].purposeId', message: expect.stringContaining('Consent.Write') },
    ]);
    const admin = await as(['Consent.Admin']);
    expect(
      (await admin.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`)).body.records,
    ).toEqual([]);
    const check = await writer.post('/api/check', {
      messages: [
        {
          messageId: 'a',
          channel: 'email',
          contactPoint: email,
          profileId: BRAND_A,
          purposeId: `${BRAND_A}-offers`,
        },
        {
          messageId: 'b',
          channel: 'email',
          contactPoint: email,
          profileId: BRAND_B,
          purposeId: `${BRAND_B}-offers`,
        },
      ],
    });
    expect(check.status).toBe(403);
    expect(check.body.errors.map((e: any) => e.index)).toEqual([1]);
    const own = await writer.post('/api/consents', {
      channel: 'email',
      contactPoint: email,
      purposeId: `${BRAND_A}-offers`,
      value: 'optedOut',
    });
    expect(own.status).toBe(200);
  });

  it("reads leave other profiles' records and history out: records, history, list, contact view, changes, Dataverse", async () => {
    const email = uniqueEmail('scoped-read');
    const admin = await as(['Consent.Admin']);
    const cursor = (await admin.get('/api/consents/changes?cursor=now')).body.cursor;
    await admin.post('/api/consents', {
      records: [
        { channel: 'email', contactPoint: email, purposeId: `${BRAND_A}-offers`, value: 'optedIn' },
        { channel: 'email', contactPoint: email, purposeId: `${BRAND_B}-offers`, value: 'optedOut' },
      ],
    });
    const reader = await as([`Consent.Read:${BRAND_A}`]);
    const purposes = (records: any[]) => records.map((r) => r.purposeId);
    const where = qs({ channel: 'email', contactPoint: email });
    expect(purposes((await reader.get(`/api/consents${where}`)).body.records)).toEqual([`${BRAND_A}-offers`]);
    expect(purposes((await reader.get(`/api/consents/history${where}`)).body.entries)).toEqual([
      `${BRAND_A}-offers`,
    ]);
    const listed = await reader.get(`/api/consents/list${qs({ channel: 'email', limit: 1000 })}`);
    expect(listed.body.records.some((r: any) => r.purposeId.startsWith(BRAND_B))).toBe(false);
    const view = await reader.post('/api/contact-view', {
      contactPoints: [{ channel: 'email', contactPoint: email }],
    });
    expect(view.body.contactPoints[0].profiles.map((p: any) => p.profileId)).toEqual([BRAND_A]);
    expect(
      (
        await reader.post('/api/contact-view', {
          contactPoints: [{ channel: 'email', contactPoint: email }],
          profileId: BRAND_B,
        })
      ).status,
    ).toBe(403);
    // The feed serves a change once its settle window has passed.
    const page = await eventually(
      () => reader.get(`/api/consents/changes${qs({ cursor })}`),
      (res) => res.body.changes.some((c: any) => c.contactPoint === email),
      { everyMs: 250 },
    );
    const changes: any[] = page.body.changes;
    expect(changes.filter((c) => c.contactPoint === email).map((c) => c.purposeId)).toEqual([
      `${BRAND_A}-offers`,
    ]);
    const rows = await reader.get(
      `/api/data/v9.2/msdynmkt_contactpointconsent4s${qs({ $filter: `msdynmkt_contactpointvalue eq '${email}'` })}`,
    );
    expect(rows.body.value).toHaveLength(1);
    const profiles = (await reader.get('/api/profiles')).body.profiles.map((p: any) => p.id);
    expect(profiles).toEqual([BRAND_A]);
    expect((await reader.get(`/api/profiles/${BRAND_B}`)).status).toBe(403);
  });
});

describe('23.7 data subject requests under identities', () => {
  it('erasing needs Subjects.Erase for every profile; a scoped export holds only its profiles; the audit names the identity', async () => {
    const email = uniqueEmail('dsr');
    const admin = await as(['Consent.Admin']);
    await admin.post('/api/consents', {
      records: [
        { channel: 'email', contactPoint: email, purposeId: `${BRAND_A}-offers`, value: 'optedIn' },
        { channel: 'email', contactPoint: email, purposeId: `${BRAND_B}-offers`, value: 'optedOut' },
      ],
    });
    const body = { contactPoints: [{ channel: 'email', contactPoint: email }] };
    const scopedEraser = await as([`Subjects.Erase:${BRAND_A}`, 'Consent.Read']);
    const refused = await scopedEraser.post('/api/subjects/erase', body);
    expect(refused.status, refused.text).toBe(403);
    expect(
      (await admin.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`)).body.records,
    ).toHaveLength(2);
    expect((await (await as(['Consent.Read'])).post('/api/subjects/erase', body)).status).toBe(403);

    const reader = await as([`Consent.Read:${BRAND_A}`]);
    const exported = await reader.post('/api/subjects/export', body);
    expect(exported.status, exported.text).toBe(200);
    const [held] = exported.body.contactPoints;
    expect(held.records.map((r: any) => r.purposeId)).toEqual([`${BRAND_A}-offers`]);
    expect(held.history.map((e: any) => e.purposeId)).toEqual([`${BRAND_A}-offers`]);

    const eraser = await as(['Subjects.Erase', 'Consent.Read']);
    const erased = await eraser.post('/api/subjects/erase', body, { 'x-consent-actor': 'ticket 42' });
    expect(erased.body.results).toEqual([{ index: 0, outcome: 'erased' }]);
    const audit = await eraser.get('/api/subjects/audit?limit=1000');
    const entry = audit.body.entries.find((e: any) => e.type === 'erasure' && e.onBehalfOf === 'ticket 42');
    expect(entry).toMatchObject({ actor: 'Journey engine', actorId: expect.any(String) });
  });
});

describe('App Service authentication', () => {
  const principal = (roles: string[]) =>
    Buffer.from(
      JSON.stringify({
        auth_typ: 'aad',
        name_typ: 'name',
        role_typ: 'roles',
        claims: [
          { typ: 'name', val: 'Ada Admin' },
          { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'oid-ada' },
          ...roles.map((val) => ({ typ: 'roles', val })),
        ],
      }),
    ).toString('base64');

  it('its principal header counts only where App Service authentication is on', async () => {
    const forged = await boundedClient(host.url, null).get('/api/me', {
      'x-ms-client-principal': principal(['Consent.Admin']),
    });
    expect(forged.status).toBe(401);
    const signedIn = await boundedClient(platform.url, null).get('/api/me', {
      'x-ms-client-principal': principal(['Consent.Read']),
    });
    expect(signedIn.status, signedIn.text).toBe(200);
    expect(signedIn.body).toEqual({
      authMode: 'entra',
      actor: 'Ada Admin',
      actorId: 'oid-ada',
      roles: ['Consent.Read'],
    });
    const write = await boundedClient(platform.url, null).post(
      '/api/consents',
      {},
      { 'x-ms-client-principal': principal(['Consent.Read']) },
    );
    expect(write.status).toBe(403);
  });
});

describe('who did it: the authenticated identity', () => {
  it('history and the feed carry the identity as actor and actorId; x-consent-actor is kept as onBehalfOf', async () => {
    const email = uniqueEmail('audit');
    const sync = await as(['Consent.Write', 'Consent.Read'], { name: 'CRM sync', oid: 'oid-crm' });
    const res = await sync.post(
      '/api/consents',
      { channel: 'email', contactPoint: email, purposeId: `${BRAND_A}-offers`, value: 'optedOut' },
      { 'x-consent-actor': 'Jane at the counter' },
    );
    expect(res.body.results[0].record.modifiedBy).toBe('CRM sync');
    const history = await sync.get(`/api/consents/history${qs({ channel: 'email', contactPoint: email })}`);
    expect(history.body.entries[0]).toMatchObject({
      actor: 'CRM sync',
      actorId: 'oid-crm',
      onBehalfOf: 'Jane at the counter',
    });
    const me = await sync.get('/api/me');
    expect(me.body).toEqual({
      authMode: 'entra',
      actor: 'CRM sync',
      actorId: 'oid-crm',
      roles: ['Consent.Write', 'Consent.Read'],
    });
  });
});

describe('25 the MCP server under identities', () => {
  async function mcpAs(roles: string[]) {
    const token = await issuer.token({ roles, name: 'Agent', oid: 'oid-agent' });
    const client = new Client({ name: 'entra-agent', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${host.url}/api/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    return client;
  }

  it('tools follow the roles: no Consent.Write, no record_consent; a scoped role reaches its profile only', async () => {
    const scoped = await mcpAs([`Consent.Check:${BRAND_A}`]);
    try {
      const email = uniqueEmail('entra-mcp');
      const own = await scoped.callTool({
        name: 'check_consent',
        arguments: {
          channel: 'email',
          contactPoint: email,
          profileId: BRAND_A,
          purposeId: `${BRAND_A}-offers`,
        },
      });
      expect(own.isError, JSON.stringify(own.content)).toBeFalsy();
      const other = await scoped.callTool({
        name: 'check_consent',
        arguments: {
          channel: 'email',
          contactPoint: email,
          profileId: BRAND_B,
          purposeId: `${BRAND_B}-offers`,
        },
      });
      expect(other.isError).toBe(true);
      expect((other.content as any)[0].text).toContain('Consent.Check');
      const write = await scoped.callTool({
        name: 'record_consent',
        arguments: {
          channel: 'email',
          contactPoint: email,
          purposeId: `${BRAND_A}-offers`,
          value: 'optedIn',
        },
      });
      expect(write.isError).toBe(true);
      expect((write.content as any)[0].text).toContain('Consent.Write');
    } finally {
      await scoped.close();
    }
    const writer = await mcpAs(['Consent.Check', `Consent.Write:${BRAND_A}`]);
    try {
      const email = uniqueEmail('entra-mcp-w');
      const written = await writer.callTool({
        name: 'record_consent',
        arguments: {
          channel: 'email',
          contactPoint: email,
          purposeId: `${BRAND_A}-offers`,
          value: 'optedOut',
        },
      });
      expect(written.structuredContent).toMatchObject({
        outcome: 'created',
        record: { modifiedBy: 'Agent' },
      });
      const elsewhere = await writer.callTool({
        name: 'record_consent',
        arguments: {
          channel: 'email',
          contactPoint: email,
          purposeId: `${BRAND_B}-offers`,
          value: 'optedOut',
        },
      });
      expect(elsewhere.isError).toBe(true);
    } finally {
      await writer.close();
    }
    // Without Consent.Check the server is not reached at all.
    await expect(mcpAs(['Consent.Read'])).rejects.toThrow();
  });
});
