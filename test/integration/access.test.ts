/*
 * Access and personal data: authLevel on every route of `operations` (new routes are covered as
 * they land), errors that never echo an address or the key, and host logs without addresses.
 */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { operations, type Operation } from '../../shared/api';
import { boundedClient, type BoundedClient, type Reply } from '../support/bounded-client';
import { qs } from '../support/client';
import { startHost, type RunningHost } from '../support/processes';

const KEY = 'access-Key-0123456789';
const ops = Object.values(operations) as Operation[];
/** The contract: these are anonymous (the token is the authority on the link pages). */
const ANONYMOUS = new Set([
  'GET health',
  'GET openapi.json',
  'GET unsubscribe/{token}',
  'POST unsubscribe/{token}',
  'GET preferences/{token}',
  'POST preferences/{token}',
  'GET confirm/{token}',
  'POST confirm/{token}',
  'GET assets/{*path}',
  'GET consent-center',
  'POST sms/twilio',
  'POST events/sendgrid',
]);
/** Anonymous routes that authenticate the request themselves, by a provider's signature. */
const SIGNED = new Set(['POST sms/twilio', 'POST events/sendgrid']);
const SENDGRID = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const TWILIO_TOKEN = 'access-twilio-token';
const PUBLIC = 'https://consent.example.org';

let host: RunningHost;
let api: BoundedClient;
let anonymous: BoundedClient;

beforeAll(async () => {
  // Its own host (for its log lines) on the shared Azurite, in tables of its own.
  host = await startHost({
    AzureWebJobsStorage: inject('storageConnection'),
    LOCAL_FUNCTION_KEY: KEY,
    CONSENT_TABLE_PREFIX: 'access',
    TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
    SENDGRID_WEBHOOK_PUBLIC_KEY: SENDGRID.publicKey
      .export({ type: 'spki', format: 'der' })
      .toString('base64'),
    PUBLIC_BASE_URL: PUBLIC,
  });
  api = boundedClient(host.url, KEY);
  anonymous = boundedClient(host.url, null);
});

afterAll(async () => {
  await host?.stop();
});

const tag = `${process.pid}x${Date.now().toString(36)}`;
/** Addresses used in requests below; none may show up in an error or a log line. */
const ADDRESSES = {
  email: `Jane.Private.${tag}@Secret-Mail.example.com`,
  other: `john.hidden.${tag}@other.example.org`,
  phone: '+14255550123',
  custom: `device-token-${tag}`,
};
const SECRETS = [...Object.values(ADDRESSES), KEY];

function pathOf(op: Operation, params: Record<string, string> = {}): string {
  return `/api/${op.route.replace(/\{\*?(\w+)[^}]*\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'default'))}`;
}

function expectProblem(res: Reply, status: number) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
}

/** The Functions host refuses a missing or wrong key itself: 401 with an empty body. */
function expectUnauthorized(res: Reply) {
  expect(res.status, res.text).toBe(401);
  expect(res.text).toBe('');
}

/** Neither the body nor any header of the response holds an address (in any case) or the key. */
function expectNoSecrets(res: Reply, what: string) {
  const everything =
    `${res.text}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}`.toLowerCase();
  for (const secret of SECRETS) {
    expect(everything, what).not.toContain(secret.toLowerCase());
    const local = secret.split('@')[0]!.toLowerCase();
    expect(everything, what).not.toContain(local);
  }
  expect(everything, what).not.toContain('4255550123');
}

describe('authLevel on every route', () => {
  it('matches the contract: health, openapi.json and the Twilio webhook anonymous, every other route needs the key', () => {
    for (const op of ops) {
      expect(op.authLevel, `${op.method} ${op.route}`).toBe(
        ANONYMOUS.has(`${op.method} ${op.route}`) ? 'anonymous' : 'function',
      );
    }
    expect(ops.filter((op) => op.authLevel === 'anonymous')).toHaveLength(ANONYMOUS.size);
  });

  for (const op of ops) {
    const label = `${op.method} /api/${op.route}`;
    const body = op.method === 'GET' ? undefined : {};
    const send = (client: BoundedClient, query = '', headers: Record<string, string> = {}) =>
      client.send({ method: op.method, path: pathOf(op) + query, body, headers });

    if (SIGNED.has(`${op.method} ${op.route}`)) {
      it(`${label} needs no key but a valid signature: 403 without one, whatever key is sent`, async () => {
        for (const headers of [{}, { 'x-functions-key': 'wrong' }, { 'x-functions-key': KEY }] as Array<
          Record<string, string>
        >) {
          const res = await send(anonymous, '', headers);
          expectProblem(res, 403);
          expectNoSecrets(res, label);
        }
        if (op.route === 'events/sendgrid') {
          const body = JSON.stringify([{ email: ADDRESSES.email, event: 'delivered', sg_event_id: tag }]);
          const timestamp = String(Math.floor(Date.now() / 1000));
          const signature = sign('sha256', Buffer.from(timestamp + body), {
            key: SENDGRID.privateKey,
            dsaEncoding: 'der',
          }).toString('base64');
          const signed = await anonymous.send({
            method: op.method,
            path: pathOf(op),
            body,
            headers: {
              'x-twilio-email-event-webhook-signature': signature,
              'x-twilio-email-event-webhook-timestamp': timestamp,
            },
          });
          expect(signed.status, signed.text).toBe(200);
          expectNoSecrets(signed, label);
          return;
        }
        const form = new URLSearchParams({ From: ADDRESSES.phone, To: '+18885550100', Body: 'HELP' });
        const signature = createHmac('sha1', TWILIO_TOKEN)
          .update(
            PUBLIC +
              pathOf(op) +
              [...form]
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .map(([name, value]) => name + value)
                .join(''),
          )
          .digest('base64');
        const signed = await anonymous.send({
          method: op.method,
          path: pathOf(op),
          body: form.toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        });
        expect(signed.status, signed.text).toBe(200);
        expectNoSecrets(signed, label);
      });
      continue;
    }

    if (op.authLevel === 'anonymous') {
      it(`${label} answers without a key, and with a wrong one`, async () => {
        // Served (a link page answers 404 for a token it did not make, never 401).
        for (const res of [
          await send(anonymous),
          await send(anonymous, '', { 'x-functions-key': 'wrong' }),
        ]) {
          expect(res.status, res.text).not.toBe(401);
          expect(res.status).toBeLessThan(500);
        }
      });
      continue;
    }

    it(`${label}: 401 with a missing, empty or wrong key (header or code), served with the right one`, async () => {
      const refused: Array<[string, Promise<Reply>]> = [
        ['no key', send(anonymous)],
        ['empty header', send(anonymous, '', { 'x-functions-key': '' })],
        ['wrong header', send(anonymous, '', { 'x-functions-key': 'wrong' })],
        ['other case', send(anonymous, '', { 'x-functions-key': KEY.toUpperCase() })],
        ['prefix', send(anonymous, '', { 'x-functions-key': KEY.slice(0, -1) })],
        ['longer', send(anonymous, '', { 'x-functions-key': `${KEY}0` })],
        ['empty code', send(anonymous, '?code=')],
        ['wrong code', send(anonymous, `?code=${encodeURIComponent(KEY.slice(1))}`)],
        ['code in another parameter', send(anonymous, `?key=${encodeURIComponent(KEY)}`)],
        ['key in another header', send(anonymous, '', { authorization: `Bearer ${KEY}` })],
      ];
      for (const [what, pending] of refused) {
        const res = await pending;
        expect(res.status, `${label} ${what}`).toBe(401);
        expectUnauthorized(res);
        expectNoSecrets(res, `${label} ${what}`);
      }
      const byHeader = await send(anonymous, '', { 'x-functions-key': KEY });
      const byCode = await send(anonymous, `?code=${encodeURIComponent(KEY)}`);
      for (const res of [byHeader, byCode]) {
        expect(res.status, `${label}: ${res.text}`).not.toBe(401);
        expect(res.status).toBeLessThan(500);
        expectNoSecrets(res, label);
      }
    });
  }

  it('an unauthorized write writes nothing, and is refused before the body is looked at', async () => {
    const write = {
      channel: 'email',
      contactPoint: ADDRESSES.email,
      purposeId: 'commercial',
      value: 'optedOut',
    };
    const refused = await anonymous.post('/api/consents', write, { 'x-functions-key': 'nope' });
    expectUnauthorized(refused);
    const malformed = await anonymous.post('/api/consents', '{"records": [', { 'x-functions-key': 'nope' });
    expectUnauthorized(malformed);
    const stored = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: ADDRESSES.email })}`);
    expect(stored.status).toBe(200);
    expect(stored.body.records).toEqual([]);
  });
});

describe('personal data and the key stay out of errors and logs', () => {
  it('no error response echoes an address or the key', async () => {
    const { email, other, phone, custom } = ADDRESSES;
    const failures: Array<[string, Reply]> = [
      [
        'unknown purpose',
        await api.post('/api/consents', {
          channel: 'email',
          contactPoint: email,
          purposeId: 'nope',
          value: 'optedIn',
        }),
      ],
      [
        'bad value, phone',
        await api.post('/api/consents', {
          channel: 'sms',
          contactPoint: phone,
          purposeId: 'commercial',
          value: 'x',
        }),
      ],
      [
        'invalid address',
        await api.post('/api/consents', {
          records: [
            { channel: 'email', contactPoint: `${email}@@`, purposeId: 'commercial', value: 'optedIn' },
          ],
        }),
      ],
      [
        'custom, unknown topic',
        await api.post('/api/consents', {
          channel: 'custom',
          contactPoint: custom,
          purposeId: 'commercial',
          topicId: 'nope',
          value: 'optedIn',
        }),
      ],
      ['bad channel', await api.get(`/api/consents${qs({ channel: 'fax', contactPoint: email })}`)],
      [
        'invalid phone',
        await api.get(`/api/consents${qs({ channel: 'voice', contactPoint: `${phone}999999` })}`),
      ],
      [
        'bad limit',
        await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint: email, limit: 0 })}`),
      ],
      [
        'unknown profile',
        await api.get(
          `/api/contactability${qs({ channel: 'email', contactPoint: email, profileId: 'nope' })}`,
        ),
      ],
      [
        'malformed message',
        await api.post('/api/check', {
          messages: [{ messageId: email, channel: 'email', contactPoint: email, profileId: 'default' }],
        }),
      ],
      ['address in the path', await api.get(`/api/consents/${encodeURIComponent(email)}`)],
      [
        'address in the path, wrong method',
        await api.send({ method: 'DELETE', path: `/api/profiles/${email}` }),
      ],
      ['address as a profile id', await api.get(`/api/profiles/${encodeURIComponent(other)}`)],
      [
        'not JSON',
        await api.post('/api/consents', `contactPoint=${email}`, { 'content-type': 'text/plain' }),
      ],
      ['malformed JSON', await api.post('/api/consents', `{"contactPoint": "${email}"`)],
      ['too large', await api.post('/api/consents', `["${email}", "${'x'.repeat(4 * 1024 * 1024)}"]`)],
      [
        'unauthorized, address in the query',
        await anonymous.get(`/api/consents${qs({ channel: 'email', contactPoint: email, code: other })}`),
      ],
      [
        'actor too long',
        await api.post(
          '/api/consents',
          { channel: 'email', contactPoint: email, purposeId: 'commercial', value: 'optedIn' },
          { 'x-consent-actor': `${email}${'x'.repeat(300)}` },
        ),
      ],
    ];
    for (const route of ops.filter((op) => op.method !== 'GET' && op.body !== undefined)) {
      failures.push([
        `${route.method} ${route.route} with addresses in every field`,
        await api.send({
          method: route.method,
          path: pathOf(route),
          body: {
            email,
            contactPoint: phone,
            contactPoints: [email, other],
            members: [{ email: other }],
            x: custom,
          },
        }),
      ]);
    }
    for (const [what, res] of failures) {
      expect(res.status, `${what}: ${res.text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, what).toBeLessThan(500);
      // The host's own refusals (no such route or method, no key) carry no body at all.
      if (res.text === '') expect([401, 404], what).toContain(res.status);
      // The Dataverse routes answer in the Dataverse error shape.
      else if (res.headers.get('odata-version')) expect(res.body.error.code, what).toMatch(/^0x/);
      // The MCP transport answers in JSON-RPC, as MCP clients expect.
      else if (what.startsWith('POST mcp ')) expect(res.body.jsonrpc, what).toBe('2.0');
      else expectProblem(res, res.status);
      expectNoSecrets(res, what);
    }
  });

  it("the host's log lines hold no address and no key, even for served requests", async () => {
    const { email, other, phone, custom } = ADDRESSES;
    expect(
      (
        await api.post('/api/consents', {
          channel: 'email',
          contactPoint: email,
          purposeId: 'commercial',
          value: 'optedIn',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await api.post('/api/consents', {
          channel: 'sms',
          contactPoint: phone,
          purposeId: 'commercial',
          value: 'optedIn',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await api.post(
          '/api/consents',
          { channel: 'custom', contactPoint: custom, purposeId: 'commercial', value: 'optedIn' },
          { 'x-consent-actor': other },
        )
      ).status,
    ).toBe(200);
    expect(
      (await anonymous.get(`/api/consents${qs({ channel: 'email', contactPoint: email, code: KEY })}`))
        .status,
    ).toBe(200);
    expect(
      (await api.get(`/api/consents/history${qs({ channel: 'sms', contactPoint: phone })}`)).status,
    ).toBe(200);
    expect(
      (
        await api.get(
          `/api/contactability${qs({ channel: 'email', contactPoint: email, profileId: 'default' })}`,
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await api.post('/api/check', {
          messages: [
            {
              messageId: 'm',
              channel: 'custom',
              contactPoint: custom,
              profileId: 'default',
              purposeId: 'commercial',
            },
          ],
        })
      ).status,
    ).toBe(200);
    expect((await api.get(`/api/consents/${encodeURIComponent(email)}`)).status).toBe(404);
    expect((await api.get(`/api/profiles/${encodeURIComponent(other)}`)).status).toBe(400);
    expect(
      (await anonymous.get(`/api/profiles/${encodeURIComponent(email)}`, { 'x-functions-key': other }))
        .status,
    ).toBe(401);
    await api.get('/api/health');

    // The log line of the last request is written when its response finishes: wait for it to show.
    const lines = host.logs;
    await expect
      .poll(() => lines.some((line) => / \/api\/health 200 /.test(line)), { timeout: 5000 })
      .toBe(true);
    const text = lines.join('\n').toLowerCase();
    expect(lines.filter((line) => / \/api\//.test(line)).length).toBeGreaterThanOrEqual(10);
    for (const secret of SECRETS) {
      expect(text).not.toContain(secret.toLowerCase());
      expect(text).not.toContain(secret.split('@')[0]!.toLowerCase());
    }
    expect(text).not.toContain('4255550123');
    expect(text).not.toContain('secret-mail');
  });
});
