import { describe, expect, it } from 'vitest';
import { apiClient, qs, uniqueEmail } from '../support/client';

const api = apiClient();

function record(contactPoint: string, overrides: Record<string, unknown> = {}) {
  return { channel: 'email', contactPoint, purposeId: 'commercial', value: 'optedIn', ...overrides };
}

async function history(channel: string, contactPoint: string, extra: Record<string, string | number> = {}) {
  const res = await api.get(`/api/consents/history${qs({ channel, contactPoint, limit: 1000, ...extra })}`);
  expect(res.status).toBe(200);
  return res.body.entries as any[];
}

describe('POST /api/consents outcomes', () => {
  it('reports created, updated, unchanged and stale, and keeps history only for changes', async () => {
    const email = uniqueEmail();
    const t0 = '2026-01-01T10:00:00Z';
    const created = await api.post('/api/consents', record(email, { capturedAt: t0 }), {
      'x-consent-actor': 'crm-sync',
    });
    expect(created.status).toBe(200);
    expect(created.body.results[0]).toMatchObject({
      index: 0,
      outcome: 'created',
      record: {
        channel: 'email',
        contactPoint: email,
        purposeId: 'commercial',
        value: 'optedIn',
        source: 'internal',
        reason: 'noReasons',
        status: 'active',
        modifiedBy: 'crm-sync',
        capturedAt: '2026-01-01T10:00:00.000Z',
      },
    });
    const first = created.body.results[0].record;
    expect(first.version).toEqual(expect.any(String));
    expect(first.createdAt).toBe(first.modifiedAt);

    const unchanged = await api.post('/api/consents', record(email, { capturedAt: '2026-01-02T00:00:00Z' }));
    expect(unchanged.body.results[0].outcome).toBe('unchanged');
    expect(unchanged.body.results[0].record.version).toBe(first.version);

    const updated = await api.post(
      '/api/consents',
      record(email, { value: 'optedOut', capturedAt: '2026-01-03T00:00:00Z' }),
      {
        'x-ms-client-principal-name': 'admin@contoso.com',
      },
    );
    expect(updated.body.results[0]).toMatchObject({
      outcome: 'updated',
      record: { value: 'optedOut', modifiedBy: 'admin@contoso.com' },
    });
    expect(updated.body.results[0].record.createdAt).toBe(first.createdAt);
    expect(updated.body.results[0].record.version).not.toBe(first.version);

    const stale = await api.post(
      '/api/consents',
      record(email, { value: 'optedIn', capturedAt: '2026-01-02T12:00:00Z' }),
    );
    expect(stale.body.results[0]).toMatchObject({ outcome: 'stale', record: { value: 'optedOut' } });

    const stored = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`);
    expect(stored.body.records).toHaveLength(1);
    expect(stored.body.records[0].value).toBe('optedOut');

    const entries = await history('email', email);
    expect(entries.map((e) => [e.actor, e.before?.value ?? null, e.after.value])).toEqual([
      ['admin@contoso.com', 'optedIn', 'optedOut'],
      ['crm-sync', null, 'optedIn'],
    ]);
  });

  it('defaults the actor to anonymous and keeps purpose and topic records apart', async () => {
    await api.put('/api/profiles/consent-topics', {
      name: 'Topics',
      purposes: [
        {
          id: 'ct-commercial',
          name: 'C',
          type: 'commercial',
          enforcement: 'restrictive',
          topics: [{ id: 'ct-news', name: 'News' }],
        },
        { id: 'ct-tracking', name: 'T', type: 'tracking', enforcement: 'nonRestrictive' },
      ],
    });
    const email = uniqueEmail();
    const res = await api.post('/api/consents', {
      records: [
        record(email, { purposeId: 'ct-commercial' }),
        record(email, { purposeId: 'ct-commercial', topicId: 'ct-news', value: 'optedOut' }),
      ],
    });
    expect(res.body.results.map((r: any) => r.outcome)).toEqual(['created', 'created']);
    expect(res.body.results[0].record.modifiedBy).toBe('anonymous');
    const stored = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`);
    expect(stored.body.records.map((r: any) => [r.purposeId, r.topicId ?? null, r.value])).toEqual([
      ['ct-commercial', null, 'optedIn'],
      ['ct-commercial', 'ct-news', 'optedOut'],
    ]);
    const topicOnly = await history('email', email, { purposeId: 'ct-commercial', topicId: 'ct-news' });
    expect(topicOnly.map((e) => e.topicId)).toEqual(['ct-news']);
  });
});

describe('normalization and keys', () => {
  it('finds records by a differently cased email and a differently formatted phone number', async () => {
    const email = uniqueEmail('Mixed.Case');
    await api.post('/api/consents', record(email.toUpperCase(), { value: 'optedOut' }));
    const read = await api.get(
      `/api/consents${qs({ channel: 'email', contactPoint: `  ${email.toLowerCase()} ` })}`,
    );
    expect(read.body.contactPoint).toBe(email.toLowerCase());
    expect(read.body.records[0].value).toBe('optedOut');

    const local = `(206) 555-${String(1000 + (process.pid % 8999)).slice(-4)}`;
    const written = await api.post('/api/consents', record(local, { channel: 'sms', value: 'optedIn' }));
    const e164 = written.body.results[0].record.contactPoint;
    expect(e164).toMatch(/^\+1206555\d{4}$/);
    for (const spelling of [e164, e164.slice(2), `+1 206-555-${e164.slice(-4)}`]) {
      const found = await api.get(`/api/consents${qs({ channel: 'sms', contactPoint: spelling })}`);
      expect(found.body.contactPoint).toBe(e164);
      expect(found.body.records).toHaveLength(1);
    }
  });

  it("round-trips an address with key-forbidden characters like o'brien/x#y?z@example.com", async () => {
    const email = `o'brien/x#y?z.${Date.now()}@example.com`;
    const res = await api.post('/api/consents', record(email, { value: 'optedOut' }));
    expect(res.status).toBe(200);
    const read = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`);
    expect(read.body.contactPoint).toBe(email);
    expect(read.body.records[0].value).toBe('optedOut');
    expect(await history('email', email)).toHaveLength(1);
    const custom = `line\\1/#?%'\u0001${Date.now()}`;
    await api.post('/api/consents', record(custom, { channel: 'custom' }));
    expect(
      (await api.get(`/api/consents${qs({ channel: 'custom', contactPoint: custom })}`)).body.records,
    ).toHaveLength(1);
  });

  it('stores a very long custom address under a digest key and reads it back', async () => {
    const long = `device-${Date.now()}-${'x'.repeat(480)}`;
    await api.post('/api/consents', record(long, { channel: 'custom', value: 'optedIn' }));
    const read = await api.get(`/api/consents${qs({ channel: 'custom', contactPoint: long })}`);
    expect(read.body.contactPoint).toBe(long);
    expect(read.body.records).toHaveLength(1);
  });
});

describe('validation', () => {
  it('writes nothing when one record of a batch is bad, and names every bad index and path', async () => {
    const good = uniqueEmail();
    const res = await api.post('/api/consents', {
      records: [
        record(good),
        record('not-an-email', {}),
        record(uniqueEmail(), { purposeId: 'no-such-purpose' }),
        record(uniqueEmail(), { topicId: 'no-such-topic' }),
        record('12', { channel: 'sms' }),
        record(uniqueEmail(), { value: 'maybe' }),
        record('also-bad', { value: 'maybe', purposeId: 'no-such-purpose' }),
      ],
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const errors = res.body.errors.map((e: any) => [e.index, e.path]);
    expect(errors).toEqual(
      expect.arrayContaining([
        [1, 'records[1].contactPoint'],
        [2, 'records[2].purposeId'],
        [3, 'records[3].topicId'],
        [4, 'records[4].contactPoint'],
        [5, 'records[5].value'],
        [6, 'records[6].value'],
        [6, 'records[6].contactPoint'],
        [6, 'records[6].purposeId'],
      ]),
    );
    expect(
      (await api.get(`/api/consents${qs({ channel: 'email', contactPoint: good })}`)).body.records,
    ).toEqual([]);
  });

  it('refuses a topic that is not under the named purpose', async () => {
    const res = await api.post(
      '/api/consents',
      record(uniqueEmail(), { purposeId: 'commercial', topicId: 'ct-news' }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ index: 0, path: 'records[0].topicId' });
  });

  it('takes a capturedAt in the future as receipt time, and refuses batches over 1000', async () => {
    const future = await api.post(
      '/api/consents',
      record(uniqueEmail(), { capturedAt: '2999-01-01T00:00:00Z' }),
    );
    expect(future.status).toBe(200);
    expect(Date.parse(future.body.results[0].record.capturedAt)).toBeLessThanOrEqual(Date.now());
    const many = Array.from({ length: 1001 }, () => record(uniqueEmail()));
    expect((await api.post('/api/consents', { records: many })).status).toBe(400);
  });
});

describe('concurrency', () => {
  it('leaves a consistent record and a gapless history after 50 concurrent writers flip one record', async () => {
    const email = uniqueEmail('race');
    // One capture time for all: every write must then apply, none may be lost as stale.
    const capturedAt = new Date(Date.now() - 1000).toISOString();
    const writers = Array.from({ length: 50 }, (_, i) =>
      api.post(
        '/api/consents',
        record(email, {
          value: i % 2 === 0 ? 'optedIn' : 'optedOut',
          reasonDescription: `writer-${i}`,
          capturedAt,
        }),
        {
          'x-consent-actor': `writer-${i}`,
        },
      ),
    );
    const responses = await Promise.all(writers);
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const outcomes = responses.map((r) => r.body.results[0].outcome);
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'updated')).toHaveLength(49);

    const entries = (await history('email', email)).reverse();
    expect(entries).toHaveLength(50);
    expect(entries[0].before).toBeNull();
    for (let i = 1; i < entries.length; i++) expect(entries[i].before).toEqual(entries[i - 1].after);
    expect(new Set(entries.map((e) => e.actor)).size).toBe(50);
    const stored = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`);
    expect(stored.body.records[0]).toEqual(entries[entries.length - 1].after);
  });
});

describe('history paging', () => {
  it('pages newest first with a continuation token', async () => {
    const email = uniqueEmail('pages');
    for (let i = 0; i < 7; i++)
      await api.post('/api/consents', record(email, { reasonDescription: `change ${i}` }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await api.get(
        `/api/consents/history${qs({ channel: 'email', contactPoint: email, limit: 3, continuationToken: token })}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.entries.map((e: any) => e.after.reasonDescription));
      token = res.body.continuationToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual([
      'change 6',
      'change 5',
      'change 4',
      'change 3',
      'change 2',
      'change 1',
      'change 0',
    ]);
    const bad = await api.get(
      `/api/consents/history${qs({ channel: 'email', contactPoint: email, continuationToken: 'garbage' })}`,
    );
    expect(bad.status).toBe(400);
  });
});
