import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, qs, uniqueEmail } from '../support/client';
import { startAzurite, startHost, type RunningAzurite, type RunningHost } from '../support/processes';

const api = apiClient();

const PROFILE = {
  name: 'Check brand',
  purposes: [
    {
      id: 'chk-promo',
      name: 'Promotions',
      type: 'commercial',
      enforcement: {
        email: 'nonRestrictive',
        sms: 'restrictive',
        voice: 'restrictive',
        custom: 'restrictive',
      },
      topics: [
        { id: 'chk-sale', name: 'Sales' },
        { id: 'chk-news', name: 'News' },
      ],
    },
    {
      id: 'chk-strict',
      name: 'Strict',
      type: 'commercial',
      enforcement: 'restrictive',
      topics: [{ id: 'chk-vip', name: 'VIP' }],
    },
    { id: 'chk-orders', name: 'Orders', type: 'transactional', enforcement: 'disabled' },
    { id: 'chk-track', name: 'Tracking', type: 'tracking', enforcement: 'restrictive' },
  ],
};

beforeAll(async () => {
  const res = await api.put('/api/profiles/chk', PROFILE);
  expect([200, 201]).toContain(res.status);
});

function message(id: string, contactPoint: string, overrides: Record<string, unknown> = {}) {
  return {
    messageId: id,
    channel: 'email',
    contactPoint,
    profileId: 'chk',
    purposeId: 'chk-promo',
    ...overrides,
  };
}

describe('POST /api/check', () => {
  it('blocks a message right after its opt-out was acknowledged', async () => {
    const email = uniqueEmail('optout');
    const before = await api.post('/api/check', { messages: [message('m1', email)] });
    expect(before.body.decisions[0].decision).toBe('sent');
    const write = await api.post('/api/consents', {
      channel: 'email',
      contactPoint: email,
      purposeId: 'chk-promo',
      value: 'optedOut',
    });
    expect(write.status).toBe(200);
    const after = await api.post('/api/check', { messages: [message('m1', email.toUpperCase())] });
    expect(after.body.decisions[0]).toMatchObject({
      messageId: 'm1',
      decision: 'blocked',
      tracked: false,
      reasons: ['purpose-opted-out'],
      trackingReasons: ['tracking-opt-in-required', 'not-sent'],
      consent: { purpose: 'optedOut', tracking: 'notSet' },
      enforcement: { purpose: 'nonRestrictive', tracking: 'restrictive' },
    });
  });

  it('decides each message of a batch mixing valid and unknown names, in request order', async () => {
    const email = uniqueEmail('mixed');
    await api.post('/api/consents', {
      records: [
        { channel: 'email', contactPoint: email, purposeId: 'chk-track', value: 'optedIn' },
        {
          channel: 'email',
          contactPoint: email,
          purposeId: 'chk-promo',
          topicId: 'chk-news',
          value: 'optedOut',
        },
      ],
    });
    const res = await api.post('/api/check', {
      messages: [
        message('ok', email),
        message('unknown-purpose', email, { purposeId: 'nope' }),
        message('unknown-profile', email, { profileId: 'nope' }),
        message('unknown-topic', email, { topicId: 'chk-vip' }),
        message('topic-out', email, { topicId: 'chk-news' }),
        message('tracking-purpose', email, { purposeId: 'chk-track' }),
        message('bad-address', 'not-an-email'),
        message('flags', email, { contact: { doNotBulkEmail: true, doNotTrack: true } }),
        message('lead-flags', email, { audience: 'lead', contact: { doNotBulkEmail: true } }),
        message('orders', email, { purposeId: 'chk-orders', contact: { doNotBulkEmail: true } }),
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.decisions.map((d: any) => [d.messageId, d.decision, d.tracked, d.reasons])).toEqual([
      ['ok', 'sent', true, []],
      ['unknown-purpose', 'blocked', false, ['unknown-purpose']],
      ['unknown-profile', 'blocked', false, ['unknown-profile']],
      ['unknown-topic', 'blocked', false, ['unknown-topic']],
      ['topic-out', 'blocked', false, ['topic-opted-out']],
      ['tracking-purpose', 'blocked', false, ['purpose-not-sendable']],
      ['bad-address', 'blocked', false, ['invalid-contact-point']],
      ['flags', 'blocked', false, ['contact-do-not-bulk-email']],
      ['lead-flags', 'sent', true, []],
      ['orders', 'sent', true, []],
    ]);
  });

  it('shares reads between messages to one contact point and normalizes phone numbers', async () => {
    const phone = `+1425555${String(1000 + (Date.now() % 8999)).slice(-4)}`;
    await api.post('/api/consents', {
      channel: 'sms',
      contactPoint: phone,
      purposeId: 'chk-promo',
      value: 'optedIn',
    });
    const res = await api.post('/api/check', {
      messages: [
        message('a', phone, { channel: 'sms' }),
        message('b', phone.slice(2), { channel: 'sms' }),
        message('c', phone, { channel: 'voice' }),
      ],
    });
    expect(res.body.decisions.map((d: any) => [d.messageId, d.decision])).toEqual([
      ['a', 'sent'],
      ['b', 'sent'],
      ['c', 'blocked'],
    ]);
  });

  it('blocks a message with odd names, an empty address or null flags, and still decides the rest', async () => {
    const email = uniqueEmail('odd');
    const res = await api.post('/api/check', {
      messages: [
        message('spaces', email, { profileId: 'no such profile' }),
        message('long', email, { purposeId: 'p'.repeat(300) }),
        message('slash', email, { topicId: 'a/b' }),
        message('empty', ''),
        message('nulls', email, { contact: { doNotEmail: null, doNotBulkEmail: null, doNotTrack: null } }),
        message('no-contact', email, { contact: null }),
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.decisions.map((d: any) => [d.messageId, d.decision, d.reasons])).toEqual([
      ['spaces', 'blocked', ['unknown-profile']],
      ['long', 'blocked', ['unknown-purpose']],
      ['slash', 'blocked', ['unknown-topic']],
      ['empty', 'blocked', ['invalid-contact-point']],
      ['nulls', 'sent', []],
      ['no-contact', 'sent', []],
    ]);
  });

  it('answers 400 for a malformed body, duplicate messageIds or too many messages', async () => {
    expect((await api.post('/api/check', '{"messages": [')).status).toBe(400);
    expect((await api.post('/api/check', { messages: [] })).status).toBe(400);
    const dup = await api.post('/api/check', {
      messages: [message('x', 'a@b.com'), message('x', 'c@d.com')],
    });
    expect(dup.status).toBe(400);
    expect(dup.body.errors[0].path).toBe('messages[1].messageId');
    const many = Array.from({ length: 1001 }, (_, i) => message(`m${i}`, 'a@b.com'));
    expect((await api.post('/api/check', { messages: many })).status).toBe(400);
  });
});

describe('GET /api/contactability', () => {
  it('agrees with /api/check for every purpose and topic of the profile', async () => {
    const email = uniqueEmail('agree');
    await api.post('/api/consents', {
      records: [
        {
          channel: 'email',
          contactPoint: email,
          purposeId: 'chk-promo',
          topicId: 'chk-sale',
          value: 'optedOut',
        },
        { channel: 'email', contactPoint: email, purposeId: 'chk-strict', value: 'optedIn' },
        {
          channel: 'email',
          contactPoint: email,
          purposeId: 'chk-strict',
          topicId: 'chk-vip',
          value: 'optedIn',
        },
        {
          channel: 'email',
          contactPoint: email,
          purposeId: 'chk-track',
          value: 'optedOut',
          status: 'inactive',
        },
      ],
    });
    for (const flags of [{}, { doNotEmail: true }, { doNotBulkEmail: true, doNotTrack: true }]) {
      const view = await api.get(
        `/api/contactability${qs({ channel: 'email', contactPoint: email, profileId: 'chk', audience: 'contact', ...flags })}`,
      );
      expect(view.status).toBe(200);
      const pairs = view.body.purposes.flatMap((p: any) => [
        { purposeId: p.purposeId, willSend: p.willSend, reasons: p.reasons },
        ...p.topics.map((t: any) => ({
          purposeId: p.purposeId,
          topicId: t.topicId,
          willSend: t.willSend,
          reasons: t.reasons,
        })),
      ]);
      expect(pairs).toHaveLength(6);
      const check = await api.post('/api/check', {
        messages: pairs.map((p: any, i: number) => ({
          ...message(`m${i}`, email, { purposeId: p.purposeId, topicId: p.topicId }),
          contact: flags,
        })),
      });
      pairs.forEach((p: any, i: number) => {
        expect(check.body.decisions[i].decision === 'sent').toBe(p.willSend);
        expect(check.body.decisions[i].reasons).toEqual(p.reasons);
      });
      const sentOne = check.body.decisions.find((d: any) => d.decision === 'sent');
      if (sentOne) expect(sentOne.tracked).toBe(view.body.tracking.willTrack);
      expect(view.body.tracking).toMatchObject({
        purposeId: 'chk-track',
        enforcement: 'restrictive',
        consent: 'optedOut',
        willTrack: false,
      });
    }
  });

  it('answers 404 for an unknown profile and 400 for a bad address', async () => {
    expect(
      (
        await api.get(
          `/api/contactability${qs({ channel: 'email', contactPoint: 'a@b.com', profileId: 'nope' })}`,
        )
      ).status,
    ).toBe(404);
    expect(
      (await api.get(`/api/contactability${qs({ channel: 'email', contactPoint: 'bad', profileId: 'chk' })}`))
        .status,
    ).toBe(400);
  });
});

describe('when consent cannot be read', () => {
  let azurite: RunningAzurite;
  let host: RunningHost;

  beforeAll(async () => {
    azurite = await startAzurite({ port: 0 });
    host = await startHost({ AzureWebJobsStorage: azurite.connectionString, STORAGE_TIMEOUT_MS: '2000' });
  });
  afterAll(async () => {
    await host.stop();
    await azurite.stop();
  });

  it('answers 503 with Retry-After and no decisions, never sent', async () => {
    const own = apiClient(host.url, null);
    const messages = [
      message('m1', 'someone@example.com', { profileId: 'default', purposeId: 'commercial' }),
    ];
    expect((await own.post('/api/check', { messages })).body.decisions[0].decision).toBe('sent');
    await azurite.stop();
    const res = await own.post('/api/check', { messages });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.decisions).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toMatch(/"decision"|"sent"/);
    expect((await own.get('/api/health')).body).toEqual({ status: 'degraded', storage: 'unavailable' });
  });
});
