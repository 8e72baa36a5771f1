/*
 * The limits of the contract, at and just past each bound: body size (413), batch sizes, string
 * lengths, the history `limit`. A request past a limit is a 4xx problem and writes nothing.
 */
import { describe, expect, inject, it } from 'vitest';
import { operations, type Operation } from '../../shared/api';
import { MAX_REQUEST_BYTES } from '../../shared/utils/body-bytes';
import { MAX_FORM_BYTES } from '../../shared/utils/read-form';
import { LIMITS } from '../../shared/api/common/common.schemas';
import { boundedClient, type Reply } from '../support/bounded-client';
import { qs, uniqueEmail } from '../support/client';

const api = boundedClient(inject('hostUrl'), inject('functionKey'));
const ops = Object.values(operations) as Operation[];
/**
 * The signed webhooks check their signature headers first: Twilio's limit (64 KiB) is tested in
 * sms.test.ts, SendGrid's in send-decision.test.ts, where a token or key is set.
 */
const OWN_LIMIT = new Set(['POST sms/twilio', 'POST events/sendgrid']);
const bodyRoutes = ops.filter((op) => op.body !== undefined && !OWN_LIMIT.has(`${op.method} ${op.route}`));
/** The link pages read forms (their own limit, 64 KiB). */
const formRoutes = ops.filter((op) => op.body === undefined && op.mediaTypes !== undefined);
const find = (method: string, route: string) => ops.find((op) => op.method === method && op.route === route);
const x = (n: number) => 'x'.repeat(n);
const pathOf = (op: Operation) =>
  `/api/${op.route
    .replace(
      '{*path}',
      op.method === 'PATCH'
        ? 'msdynmkt_contactpointconsent4s(00000000-0000-4000-8000-000000000000)'
        : 'msdynmkt_contactpointconsent4s',
    )
    .replace(/\{\w+\}/g, 'limits-profile')}`;

/** A refusal in the route's own error style: problem+json, or the Dataverse shape under data/v9.2. */
function expectRefused(op: Operation, res: Reply, status: number) {
  if (op.errors !== 'dataverse') return expectProblem(res, status);
  expect(res.status, res.text.slice(0, 500)).toBe(status);
  expect(res.headers.get('odata-version')).toBe('4.0');
  expect(res.body).toMatchObject({
    error: { code: expect.stringMatching(/^0x[0-9a-f]{8}$/), message: expect.any(String) },
  });
}

function expectProblem(res: Reply, status: number, path?: string) {
  expect(res.status, res.text.slice(0, 500)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  if (path !== undefined) expect(res.body.errors.map((e: any) => e.path)).toContain(path);
}

function record(contactPoint: string, overrides: Record<string, unknown> = {}) {
  return { channel: 'email', contactPoint, purposeId: 'commercial', value: 'optedIn', ...overrides };
}

async function storedRecords(contactPoint: string, channel = 'email'): Promise<unknown[]> {
  const res = await api.get(`/api/consents${qs({ channel, contactPoint })}`);
  expect(res.status).toBe(200);
  return res.body.records;
}

/** `json` padded with spaces to exactly `bytes` bytes (UTF-8). */
function padded(json: string, bytes: number): string {
  const size = Buffer.byteLength(json);
  expect(size).toBeLessThanOrEqual(bytes);
  return json + ' '.repeat(bytes - size);
}

function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = Buffer.from(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    },
  });
}

describe('body size', () => {
  for (const op of bodyRoutes) {
    it(`${op.method} /api/${op.route}: ${MAX_REQUEST_BYTES} bytes are read, one more is 413`, async () => {
      const atLimit = await api.send({
        method: op.method,
        path: pathOf(op),
        body: padded('{}', MAX_REQUEST_BYTES),
      });
      expect(atLimit.status, atLimit.text).not.toBe(413);
      expect(atLimit.status).toBeLessThan(500);
      expectRefused(
        op,
        await api.send({ method: op.method, path: pathOf(op), body: padded('{}', MAX_REQUEST_BYTES + 1) }),
        413,
      );
    });
  }

  for (const op of formRoutes) {
    it(`${op.method} /api/${op.route}: a form of ${MAX_FORM_BYTES} bytes is read, one more is a 413 page`, async () => {
      const contactPoint = uniqueEmail('limits-form');
      const url = op.route.startsWith('confirm/')
        ? (
            await api.post('/api/consents/confirmations', {
              channel: 'email',
              contactPoint,
              profileId: 'default',
              purposeId: 'commercial',
            })
          ).body.confirmUrl
        : (
            await api.post('/api/links', {
              links: [{ channel: 'email', contactPoint, profileId: 'default' }],
            })
          ).body.links[0].unsubscribeUrl;
      const token = url.split('/').pop();
      // The preference page's form carries what its page showed.
      const shown = op.route.startsWith('preferences/')
        ? `shown=${/name="shown" value="([^"]*)"/.exec((await api.send({ method: 'GET', path: `/api/preferences/${token}` })).text)![1]}&`
        : '';
      const prefix = `${shown}List-Unsubscribe=One-Click&pad=`;
      const send = (bytes: number) =>
        api.send({
          method: op.method,
          path: `/api/${op.route.replace('{token}', token)}`,
          body: prefix + x(bytes - prefix.length),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
      expect((await send(MAX_FORM_BYTES)).status).toBe(200);
      const past = await send(MAX_FORM_BYTES + 1);
      expect(past.status).toBe(413);
      expect(past.headers.get('content-type')).toBe('text/html; charset=utf-8');
    });
  }

  it('counts bytes, not characters, and also without a content-length (chunked)', async () => {
    // Fewer characters than the limit, more bytes.
    const multibyte = `{"x":"${'é'.repeat(MAX_REQUEST_BYTES / 2)}"}`;
    expect(multibyte.length).toBeLessThan(MAX_REQUEST_BYTES);
    expectProblem(await api.post('/api/check', multibyte), 413);

    const chunked = await fetch(`${inject('hostUrl')}/api/check`, {
      method: 'POST',
      headers: { 'x-functions-key': inject('functionKey'), 'content-type': 'application/json' },
      body: streamOf(padded('{}', MAX_REQUEST_BYTES + 1)),
      duplex: 'half',
      signal: AbortSignal.timeout(30_000),
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(chunked.headers.get('content-type')).toContain('application/problem+json');
  });

  it('a valid write padded past the limit is refused whole and writes nothing', async () => {
    const email = uniqueEmail('limits-size');
    const body = JSON.stringify({ records: [record(email)] });
    expectProblem(await api.post('/api/consents', padded(body, MAX_REQUEST_BYTES + 1)), 413);
    expect(await storedRecords(email)).toEqual([]);
    // The same write at exactly the limit goes through.
    const ok = await api.post('/api/consents', padded(body, MAX_REQUEST_BYTES));
    expect(ok.status).toBe(200);
    expect(await storedRecords(email)).toHaveLength(1);
  });
});

describe('batch sizes', () => {
  it(`POST /api/consents takes 1..${LIMITS.recordsPerUpsert} records`, async () => {
    const email = uniqueEmail('limits-batch');
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => record(email, { value: i % 2 === 0 ? 'optedIn' : 'optedOut' }));
    expectProblem(await api.post('/api/consents', { records: [] }), 400, 'records');
    expectProblem(
      await api.post('/api/consents', { records: many(LIMITS.recordsPerUpsert + 1) }),
      400,
      'records',
    );
    expect(await storedRecords(email)).toEqual([]);

    const full = await api.post('/api/consents', { records: many(LIMITS.recordsPerUpsert) });
    expect(full.status, full.text.slice(0, 300)).toBe(200);
    expect(full.body.results).toHaveLength(LIMITS.recordsPerUpsert);
    // Every record changed the value: one history entry each (written in several transactions).
    const history = await api.get(
      `/api/consents/history${qs({ channel: 'email', contactPoint: email, limit: LIMITS.historyPageMax })}`,
    );
    expect(history.body.entries).toHaveLength(LIMITS.recordsPerUpsert);
  });

  it(`POST /api/check takes 1..${LIMITS.messagesPerCheck} messages`, async () => {
    const messages = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        messageId: `m-${i}`,
        channel: 'email',
        contactPoint: `limits.check.${i % 50}@example.com`,
        profileId: 'default',
        purposeId: 'commercial',
      }));
    expectProblem(await api.post('/api/check', { messages: [] }), 400, 'messages');
    expectProblem(
      await api.post('/api/check', { messages: messages(LIMITS.messagesPerCheck + 1) }),
      400,
      'messages',
    );
    const full = await api.post('/api/check', { messages: messages(LIMITS.messagesPerCheck) });
    expect(full.status).toBe(200);
    expect(full.body.decisions).toHaveLength(LIMITS.messagesPerCheck);
  });

  it.runIf(find('POST', 'subscription-center'))(
    `POST /api/subscription-center takes 1..${LIMITS.contactPointsPerSubscriptionCenter} addresses`,
    async () => {
      const emails = Array.from({ length: LIMITS.contactPointsPerSubscriptionCenter + 1 }, () =>
        uniqueEmail('limits-sub'),
      );
      const submit = (contactPoints: string[]) =>
        api.post('/api/subscription-center', {
          profileId: 'default',
          contactPoints,
          doNotEmail: false,
          doNotBulkEmail: true,
          doNotTrack: false,
        });
      expectProblem(await submit([]), 400, 'contactPoints');
      expectProblem(await submit(emails), 400, 'contactPoints');
      for (const email of emails) expect(await storedRecords(email)).toEqual([]);
      expect((await submit(emails.slice(1))).status).toBe(200);
    },
  );

  it.runIf(find('GET', 'subscription-center'))(
    'GET /api/subscription-center takes at most 20 addresses',
    async () => {
      const list = (n: number) =>
        Array.from({ length: n }, (_, i) => `limits.sub.${i}@example.com`).join(',');
      const ok = await api.get(
        `/api/subscription-center${qs({ profileId: 'default', contactPoints: list(LIMITS.contactPointsPerSubscriptionCenter) })}`,
      );
      expect(ok.status, ok.text).toBe(200);
      const over = await api.get(
        `/api/subscription-center${qs({ profileId: 'default', contactPoints: list(LIMITS.contactPointsPerSubscriptionCenter + 1) })}`,
      );
      expectProblem(over, 400);
    },
  );

  it.runIf(find('POST', 'consents/load'))(
    `POST /api/consents/load takes 1..${LIMITS.membersPerLoad} members`,
    async () => {
      const email = uniqueEmail('limits-load');
      const load = (n: number) =>
        api.post('/api/consents/load', {
          profileId: 'default',
          purposeId: 'commercial',
          from: 'list',
          value: 'optedOut',
          members: Array.from({ length: n }, () => ({ email })),
        });
      expectProblem(await load(0), 400, 'members');
      expectProblem(await load(LIMITS.membersPerLoad + 1), 400, 'members');
      expect(await storedRecords(email)).toEqual([]);
    },
  );

  it.runIf(find('POST', 'preference-center'))(
    `POST /api/preference-center takes 1..${LIMITS.recordsPerUpsert} choices`,
    async () => {
      const email = uniqueEmail('limits-pref');
      const submit = (n: number) =>
        api.post('/api/preference-center', {
          profileId: 'default',
          channel: 'email',
          contactPoint: email,
          choices: Array.from({ length: n }, () => ({ purposeId: 'commercial', value: 'optedIn' })),
        });
      expectProblem(await submit(0), 400, 'choices');
      expectProblem(await submit(LIMITS.recordsPerUpsert + 1), 400, 'choices');
      expect(await storedRecords(email)).toEqual([]);
    },
  );

  it(`a profile holds 1..${LIMITS.purposesPerProfile} purposes of up to ${LIMITS.topicsPerPurpose} topics`, async () => {
    const profile = (purposes: number, topics: number, tag: string) => ({
      name: 'Limits',
      purposes: [
        ...Array.from({ length: purposes - 1 }, (_, p) => ({
          id: `${tag}-p${p}`,
          name: `P${p}`,
          type: 'commercial',
          enforcement: 'nonRestrictive',
          topics: Array.from({ length: p === 0 ? topics : 0 }, (_, t) => ({
            id: `${tag}-p${p}-t${t}`,
            name: `T${t}`,
          })),
        })),
        { id: `${tag}-tracking`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
      ],
    });
    const tag = `lim${Date.now().toString(36)}`;
    expectProblem(
      await api.put(`/api/profiles/${tag}-a`, profile(LIMITS.purposesPerProfile + 1, 1, `${tag}a`)),
      400,
      'purposes',
    );
    expectProblem(
      await api.put(`/api/profiles/${tag}-a`, profile(2, LIMITS.topicsPerPurpose + 1, `${tag}a`)),
      400,
      'purposes[0].topics',
    );
    expectProblem(await api.put(`/api/profiles/${tag}-a`, { name: 'Limits', purposes: [] }), 400, 'purposes');
    expect((await api.get(`/api/profiles/${tag}-a`)).status).toBe(404);
    const full = await api.put(
      `/api/profiles/${tag}-b`,
      profile(LIMITS.purposesPerProfile, LIMITS.topicsPerPurpose, `${tag}b`),
    );
    expect(full.status, full.text.slice(0, 300)).toBe(201);
  });
});

describe('string lengths', () => {
  it('consent record fields: ids, texts, addresses and the actor, at and past each bound', async () => {
    // [what, overrides at the bound (accepted), overrides past it (refused), path, channel]
    const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, string]> = [
      [
        'reasonDescription',
        { reasonDescription: x(LIMITS.textLength) },
        { reasonDescription: x(LIMITS.textLength + 1) },
        'reasonDescription',
      ],
      ['owner', { owner: x(LIMITS.nameLength) }, { owner: x(LIMITS.nameLength + 1) }, 'owner'],
      ['purposeId', {}, { purposeId: x(LIMITS.idLength + 1) }, 'purposeId'],
      ['topicId', {}, { topicId: x(LIMITS.idLength + 1) }, 'topicId'],
    ];
    for (const [what, atBound, pastBound, path] of cases) {
      const email = uniqueEmail(`limits-${what}`);
      expectProblem(await api.post('/api/consents', record(email, pastBound)), 400, `records[0].${path}`);
      expect(await storedRecords(email)).toEqual([]);
      const ok = await api.post('/api/consents', record(email, atBound));
      expect(ok.status, `${what}: ${ok.text.slice(0, 300)}`).toBe(200);
    }

    // Addresses: email 254 characters, custom 512, anything over 1024 refused by the schema.
    const longest = `${x(64)}@${x(63)}.${x(63)}.${x(57)}.com`;
    expect(longest).toHaveLength(254);
    expect((await api.post('/api/consents', record(longest))).status).toBe(200);
    const tooLong = `${x(64)}@${x(63)}.${x(63)}.${x(58)}.com`;
    expectProblem(await api.post('/api/consents', record(tooLong)), 400, 'records[0].contactPoint');
    expect(await storedRecords(tooLong.slice(1))).toEqual([]);
    const device = `dev-${Date.now().toString(36)}-`;
    const custom512 = device + x(512 - device.length);
    expect((await api.post('/api/consents', record(custom512, { channel: 'custom' }))).status).toBe(200);
    expectProblem(
      await api.post('/api/consents', record(`${custom512}y`, { channel: 'custom' })),
      400,
      'records[0].contactPoint',
    );
    expectProblem(
      await api.post('/api/consents', record(x(LIMITS.contactPointLength + 1), { channel: 'custom' })),
      400,
      'records[0].contactPoint',
    );
    expectProblem(
      await api.get(
        `/api/consents${qs({ channel: 'custom', contactPoint: x(LIMITS.contactPointLength + 1) })}`,
      ),
      400,
      'contactPoint',
    );

    // The actor header: 256 characters.
    const email = uniqueEmail('limits-actor');
    expectProblem(
      await api.post('/api/consents', record(email), { 'x-consent-actor': x(257) }),
      400,
      'x-consent-actor',
    );
    expect(await storedRecords(email)).toEqual([]);
    const byActor = await api.post('/api/consents', record(email), { 'x-consent-actor': x(256) });
    expect(byActor.status).toBe(200);
    expect(byActor.body.results[0].record.modifiedBy).toBe(x(256));
  });

  it('ids of 64 characters work end to end, 65 do not', async () => {
    const id = (tag: string, n: number) => `${tag}${x(n - tag.length)}`;
    const purposeId = id(`lp${Date.now().toString(36)}`, LIMITS.idLength);
    const profileId = id(`lq${Date.now().toString(36)}`, LIMITS.idLength);
    const body = {
      name: x(LIMITS.nameLength),
      companyAddress: x(LIMITS.textLength),
      preferenceCenterUrl: `https://example.com/${x(2048 - 20)}`,
      purposes: [
        { id: purposeId, name: 'P', type: 'commercial', enforcement: 'restrictive' },
        { id: `${purposeId.slice(0, 60)}-trk`, name: 'T', type: 'tracking', enforcement: 'nonRestrictive' },
      ],
    };
    expect(body.preferenceCenterUrl).toHaveLength(2048);
    expectProblem(await api.put(`/api/profiles/${profileId}x`, body), 400);
    expectProblem(
      await api.put(`/api/profiles/${profileId}`, { ...body, name: x(LIMITS.nameLength + 1) }),
      400,
      'name',
    );
    expectProblem(
      await api.put(`/api/profiles/${profileId}`, { ...body, companyAddress: x(LIMITS.textLength + 1) }),
      400,
      'companyAddress',
    );
    expectProblem(
      await api.put(`/api/profiles/${profileId}`, {
        ...body,
        preferenceCenterUrl: `${body.preferenceCenterUrl}x`,
      }),
      400,
      'preferenceCenterUrl',
    );
    expect((await api.get(`/api/profiles/${profileId}`)).status).toBe(404);
    expect((await api.put(`/api/profiles/${profileId}`, body)).status).toBe(201);

    const email = uniqueEmail('limits-id');
    expect((await api.post('/api/consents', record(email, { purposeId }))).status).toBe(200);
    const check = await api.post('/api/check', {
      messages: [{ messageId: x(200), channel: 'email', contactPoint: email, profileId, purposeId }],
    });
    expect(check.status).toBe(200);
    expect(check.body.decisions[0].decision).toBe('sent');
    expectProblem(
      await api.post('/api/check', {
        messages: [{ messageId: x(201), channel: 'email', contactPoint: email, profileId, purposeId }],
      }),
      400,
      'messages[0].messageId',
    );
  });
});

describe('history limit', () => {
  it(`takes 1..${LIMITS.historyPageMax} (default ${LIMITS.historyPageDefault}) and pages with a token`, async () => {
    const email = uniqueEmail('limits-history');
    for (const value of ['optedIn', 'optedOut', 'notSet']) {
      expect((await api.post('/api/consents', record(email, { value }))).status).toBe(200);
    }
    const page = (extra: Record<string, string | number>) =>
      api.get(`/api/consents/history${qs({ channel: 'email', contactPoint: email, ...extra })}`);
    for (const limit of ['0', '-1', '1.5', 'abc', String(LIMITS.historyPageMax + 1), '1e9']) {
      expectProblem(await page({ limit }), 400, 'limit');
    }
    // An empty parameter is an absent one: the default applies.
    expect((await page({ limit: '' })).body.entries).toHaveLength(3);
    expectProblem(await page({ continuationToken: x(201) }), 400, 'continuationToken');
    expectProblem(await page({ continuationToken: 'not-a-token' }), 400, 'continuationToken');
    expect((await page({})).body.entries).toHaveLength(3);
    expect((await page({ limit: LIMITS.historyPageMax })).body.entries).toHaveLength(3);

    const seen: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 4; i++) {
      const res = await page({ limit: 1, ...(token ? { continuationToken: token } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.entries.length).toBeLessThanOrEqual(1);
      seen.push(...res.body.entries.map((e: any) => e.after.value));
      token = res.body.continuationToken;
      if (!token) break;
    }
    expect(seen).toEqual(['notSet', 'optedOut', 'optedIn']);
    expect(token).toBeUndefined();
  });
});
