/*
 * The consent center's routes over HTTP: record ids, the list of every record with filters and an
 * exact continuation token, and one person's contact points at a glance.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { apiClient, qs, uniqueEmail } from '../support/client';

const api = apiClient();
const tag = `${process.pid}${Date.now().toString(36)}`;
const PROFILE = `cv-${tag}`;
const ids = {
  promo: `cv-promo-${tag}`,
  news: `cv-news-${tag}`,
  deals: `cv-deals-${tag}`,
  orders: `cv-orders-${tag}`,
  tracking: `cv-tracking-${tag}`,
};

beforeAll(async () => {
  const res = await api.put(`/api/profiles/${PROFILE}`, {
    name: 'Contact view',
    purposes: [
      {
        id: ids.promo,
        name: 'Promotions',
        type: 'commercial',
        enforcement: {
          email: 'nonRestrictive',
          sms: 'restrictive',
          voice: 'restrictive',
          custom: 'restrictive',
        },
        topics: [
          { id: ids.news, name: 'News' },
          { id: ids.deals, name: 'Deals' },
        ],
      },
      { id: ids.orders, name: 'Orders', type: 'transactional', enforcement: 'restrictive' },
      { id: ids.tracking, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });
  expect(res.status).toBe(201);
});

const record = (contactPoint: string, extra: Record<string, unknown> = {}) => ({
  channel: 'email',
  contactPoint,
  purposeId: ids.promo,
  value: 'optedIn',
  ...extra,
});

async function listAll(query: Record<string, string | number>) {
  const seen: any[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const res = await api.get(`/api/consents/list${qs({ ...query, continuationToken: token })}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.records.length).toBeLessThanOrEqual(Number(query.limit ?? 100));
    seen.push(...res.body.records);
    token = res.body.continuationToken;
    pages++;
  } while (token);
  return { records: seen, pages };
}

describe('record ids', () => {
  it('every record has a GUID that never changes and names exactly one (channel, contact point, purpose/topic)', async () => {
    const email = uniqueEmail('ids');
    const first = await api.post('/api/consents', {
      records: [record(email), record(email, { topicId: ids.news })],
    });
    const [purposeId, topicId] = first.body.results.map((r: any) => r.record.id);
    expect(purposeId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(topicId).not.toBe(purposeId);
    const updated = await api.post('/api/consents', record(email.toUpperCase(), { value: 'optedOut' }));
    expect(updated.body.results[0].record.id).toBe(purposeId);
    const other = await api.post('/api/consents', record(email, { channel: 'custom' }));
    expect(other.body.results[0].record.id).not.toBe(purposeId);
    const read = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`);
    expect(read.body.records.map((r: any) => r.id).sort()).toEqual([purposeId, topicId].sort());
    const history = await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint: email })}`);
    expect(history.body.entries[0].after.id).toBe(purposeId);
  });
});

describe('GET /api/consents/list', () => {
  it('pages through more contact points than one storage page holds: every record once, none skipped', async () => {
    const points = Array.from({ length: 1150 }, (_, i) => uniqueEmail(`list${i}`));
    for (let i = 0; i < points.length; i += 500) {
      const res = await api.post('/api/consents', {
        records: points
          .slice(i, i + 500)
          .flatMap((cp, j) => [
            record(cp, { value: j % 3 === 0 ? 'optedOut' : 'optedIn' }),
            record(cp, { topicId: ids.deals, value: 'optedIn' }),
          ]),
      });
      expect(res.status).toBe(200);
    }
    const expected = new Set(
      points.flatMap((cp) => [`${cp}/${ids.promo}/`, `${cp}/${ids.promo}/${ids.deals}`]),
    );
    const key = (r: any) => `${r.contactPoint}/${r.purposeId}/${r.topicId ?? ''}`;
    const mine = new Set(points);

    for (const limit of [1000, 333]) {
      const { records, pages } = await listAll({ channel: 'email', purposeId: ids.promo, limit });
      // Other tests of this file wrote a few records of this purpose too: only this test's count.
      const keys = records.filter((r) => mine.has(r.contactPoint)).map(key);
      expect(new Set(keys).size, 'no record twice').toBe(keys.length);
      expect(new Set(keys)).toEqual(expected);
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(expected.size / limit));
    }
    // A limit that splits contact points: their records span two pages, none is lost or repeated.
    const small = await listAll({ purposeId: ids.promo, value: 'optedOut', limit: 7 });
    expect(small.records.map((r) => r.value)).toEqual(small.records.map(() => 'optedOut'));
    const smallKeys = small.records.filter((r) => mine.has(r.contactPoint)).map(key);
    expect(new Set(smallKeys).size).toBe(smallKeys.length);
    expect(smallKeys).toHaveLength(points.filter((_, i) => (i % 500) % 3 === 0).length);
  });

  it('filters by topic, value, source, status, channel and modifiedSince', async () => {
    const email = uniqueEmail('filters');
    const before = new Date().toISOString();
    await api.post('/api/consents', {
      records: [
        record(email, { value: 'optedOut', source: 'form', status: 'inactive' }),
        record(email, { topicId: ids.news, value: 'optedIn' }),
        record(email, { channel: 'custom', contactPoint: `device-${tag}` }),
      ],
    });
    const only = async (query: Record<string, string>) =>
      (await listAll({ purposeId: ids.promo, ...query, limit: 1000 })).records.filter((r) =>
        [email, `device-${tag}`].includes(r.contactPoint),
      );
    expect((await only({ topicId: ids.news })).map((r) => r.topicId)).toEqual([ids.news]);
    expect(
      (await only({ source: 'form', status: 'inactive', value: 'optedOut' })).map((r) => r.source),
    ).toEqual(['form']);
    expect((await only({ channel: 'custom' })).map((r) => r.contactPoint)).toEqual([`device-${tag}`]);
    expect(await only({ modifiedSince: before })).toHaveLength(3);
    expect(await only({ modifiedSince: new Date(Date.now() + 60_000).toISOString() })).toHaveLength(0);
  });

  it('refuses a bad token, a bad limit and bad filters with 400', async () => {
    for (const query of [
      { continuationToken: 'garbage' },
      { continuationToken: Buffer.from('[1,"x\' or 1 eq 1","p:a"]').toString('base64url') },
      { limit: 0 },
      { limit: 1001 },
      { value: 'maybe' },
      { modifiedSince: 'yesterday' },
      { channel: 'fax' },
    ]) {
      expect((await api.get(`/api/consents/list${qs(query)}`)).status, JSON.stringify(query)).toBe(400);
    }
  });
});

describe('POST /api/contact-view', () => {
  it('shows each contact point for every profile, exactly as contactability does, in request order', async () => {
    const email = uniqueEmail('view');
    await api.post('/api/consents', {
      records: [
        record(email, { topicId: ids.deals, value: 'optedOut' }),
        record(email, { purposeId: ids.orders, value: 'optedIn' }),
        record(email, { purposeId: ids.tracking, value: 'optedOut' }),
      ],
    });
    const res = await api.post('/api/contact-view', {
      contactPoints: [
        { channel: 'email', contactPoint: email.toUpperCase() },
        { channel: 'sms', contactPoint: 'not a number' },
        { channel: 'sms', contactPoint: '+1 425 555 0190' },
        { channel: 'email', contactPoint: email },
      ],
      profileId: PROFILE,
      contact: { doNotBulkEmail: true },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [mail, invalid, phone, again] = res.body.contactPoints;
    expect(invalid).toEqual({ channel: 'sms', contactPoint: 'not a number', valid: false, profiles: [] });
    expect(mail.contactPoint).toBe(email);
    expect(again).toEqual(mail);
    const [profile] = mail.profiles;
    expect(profile).toMatchObject({
      profileId: PROFILE,
      willSendCommercial: false,
      willSendTransactional: true,
      willTrack: false,
    });
    const contactability = await api.get(
      `/api/contactability${qs({ channel: 'email', contactPoint: email, profileId: PROFILE, doNotBulkEmail: true })}`,
    );
    expect(profile.purposes).toEqual(contactability.body.purposes);
    expect(profile.tracking).toEqual(contactability.body.tracking);
    expect(phone.profiles[0]).toMatchObject({ willSendCommercial: false, willSendTransactional: false });
  });

  it('covers every profile when none is named, 404 for an unknown one, 400 past 50 contact points', async () => {
    const all = await api.post('/api/contact-view', {
      contactPoints: [{ channel: 'email', contactPoint: uniqueEmail() }],
    });
    const profiles = await api.get('/api/profiles');
    expect(all.body.contactPoints[0].profiles.map((p: any) => p.profileId).sort()).toEqual(
      profiles.body.profiles.map((p: any) => p.id).sort(),
    );
    expect(
      (
        await api.post('/api/contact-view', {
          contactPoints: [{ channel: 'email', contactPoint: 'a@b.com' }],
          profileId: 'nope',
        })
      ).status,
    ).toBe(404);
    const many = Array.from({ length: 51 }, () => ({ channel: 'email', contactPoint: uniqueEmail() }));
    expect((await api.post('/api/contact-view', { contactPoints: many })).status).toBe(400);
  });
});
