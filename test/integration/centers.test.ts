import { beforeAll, describe, expect, it } from 'vitest';
import { apiClient, qs, uniqueEmail } from '../support/client';

const api = apiClient();

/** A profile of our own: commercial purposes of both models, topics, a transactional purpose that is enforced. */
const PROFILE = 'ctr-brand';
const profileBody = {
  name: 'Centers brand',
  purposes: [
    {
      id: 'ctr-news',
      name: 'News',
      type: 'commercial',
      enforcement: 'nonRestrictive',
      topics: [
        { id: 'ctr-weekly', name: 'Weekly' },
        { id: 'ctr-offers', name: 'Offers' },
      ],
    },
    { id: 'ctr-promo', name: 'Promotions', type: 'commercial', enforcement: 'restrictive' },
    { id: 'ctr-orders', name: 'Orders', type: 'transactional', enforcement: 'nonRestrictive' },
    { id: 'ctr-tracking', name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
  ],
};

beforeAll(async () => {
  const res = await api.put(`/api/profiles/${PROFILE}`, profileBody);
  expect([200, 201]).toContain(res.status);
});

async function records(contactPoint: string, channel = 'email'): Promise<Record<string, any>> {
  const res = await api.get(`/api/consents${qs({ channel, contactPoint })}`);
  expect(res.status).toBe(200);
  return Object.fromEntries(
    (res.body.records as any[]).map((r) => [r.topicId ? `${r.purposeId}/${r.topicId}` : r.purposeId, r]),
  );
}

async function values(contactPoint: string, channel = 'email'): Promise<Record<string, string>> {
  return Object.fromEntries(
    Object.entries(await records(contactPoint, channel)).map(([k, r]) => [k, r.value]),
  );
}

async function write(contactPoint: string, purposeId: string, value: string, topicId?: string) {
  const res = await api.post('/api/consents', {
    channel: 'email',
    contactPoint,
    purposeId,
    value,
    ...(topicId ? { topicId } : {}),
  });
  expect(res.status).toBe(200);
}

const subscriptionPrefill = async (params: Record<string, string | boolean | undefined>) =>
  api.get(`/api/subscription-center${qs({ profileId: PROFILE, ...params })}`);

describe('subscription center prefill', () => {
  it('is all clear when every address will send and track and the contact allows', async () => {
    const a = uniqueEmail('sc');
    const b = uniqueEmail('sc');
    for (const address of [a, b]) await write(address, 'ctr-promo', 'optedIn');
    const res = await subscriptionPrefill({ contactPoints: `${a},${b}` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ doNotEmail: false, doNotBulkEmail: false, doNotTrack: false });
  });

  it("shows the contact's own flags, each on its own field", async () => {
    const a = uniqueEmail('sc');
    await write(a, 'ctr-promo', 'optedIn');
    expect((await subscriptionPrefill({ contactPoints: a, doNotEmail: true })).body).toEqual({
      doNotEmail: true,
      doNotBulkEmail: false,
      doNotTrack: false,
    });
    expect((await subscriptionPrefill({ contactPoints: a, doNotBulkEmail: true })).body).toEqual({
      doNotEmail: false,
      doNotBulkEmail: true,
      doNotTrack: false,
    });
    expect((await subscriptionPrefill({ contactPoints: a, doNotTrack: 'yes' })).body).toEqual({
      doNotEmail: false,
      doNotBulkEmail: false,
      doNotTrack: true,
    });
  });

  it('a contact with two addresses, one opted out of a commercial purpose, prefills DoNotBulkEmail', async () => {
    const a = uniqueEmail('sc');
    const b = uniqueEmail('sc');
    for (const address of [a, b]) await write(address, 'ctr-promo', 'optedIn');
    await write(b, 'ctr-news', 'optedOut');
    expect((await subscriptionPrefill({ contactPoints: `${a}, ${b.toUpperCase()}` })).body).toEqual({
      doNotEmail: false,
      doNotBulkEmail: true,
      doNotTrack: false,
    });
    // each address on its own: only b blocks
    expect((await subscriptionPrefill({ contactPoints: a })).body.doNotBulkEmail).toBe(false);
  });

  it('a restrictive commercial purpose without an opt-in will not send', async () => {
    expect((await subscriptionPrefill({ contactPoints: uniqueEmail('sc') })).body).toEqual({
      doNotEmail: false,
      doNotBulkEmail: true,
      doNotTrack: false,
    });
  });

  it('transactional purposes decide DoNotEmail and the tracking purpose DoNotTrack, for any address', async () => {
    const a = uniqueEmail('sc');
    const b = uniqueEmail('sc');
    for (const address of [a, b]) await write(address, 'ctr-promo', 'optedIn');
    await write(b, 'ctr-orders', 'optedOut');
    expect((await subscriptionPrefill({ contactPoints: `${a},${b}` })).body).toEqual({
      doNotEmail: true,
      doNotBulkEmail: false,
      doNotTrack: false,
    });
    await write(a, 'ctr-tracking', 'optedOut');
    expect((await subscriptionPrefill({ contactPoints: `${a},${b}` })).body).toEqual({
      doNotEmail: true,
      doNotBulkEmail: false,
      doNotTrack: true,
    });
  });

  it('with the default profile a transactional opt-out is not enforced, so DoNotEmail stays clear', async () => {
    const a = uniqueEmail('sc');
    await write(a, 'transactional', 'optedOut');
    const res = await api.get(`/api/subscription-center${qs({ profileId: 'default', contactPoints: a })}`);
    expect(res.body).toEqual({ doNotEmail: false, doNotBulkEmail: false, doNotTrack: false });
  });

  it('404 for an unknown profile, 400 naming each bad address', async () => {
    const unknown = await api.get(
      `/api/subscription-center${qs({ profileId: 'nope', contactPoints: 'a@x.com' })}`,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const bad = await subscriptionPrefill({ contactPoints: `ok@x.com,not-an-address,also@bad@` });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => [e.path, e.index])).toEqual([
      ['contactPoints[1]', 1],
      ['contactPoints[2]', 2],
    ]);
    expect((await subscriptionPrefill({})).status).toBe(400);
    const tooMany = Array.from({ length: 21 }, (_, i) => `u${i}@x.com`).join(',');
    expect((await subscriptionPrefill({ contactPoints: tooMany })).status).toBe(400);
  });
});

describe('subscription center submit', () => {
  const submit = (contactPoints: string[], flags: Record<string, boolean>) =>
    api.post(
      '/api/subscription-center',
      { profileId: PROFILE, contactPoints, ...flags },
      { 'x-consent-actor': 'sc-page' },
    );
  const ALLOW = { doNotEmail: false, doNotBulkEmail: false, doNotTrack: false };

  it('allowing everything opts every purpose in for every address, and the prefill then agrees', async () => {
    const a = uniqueEmail('sub');
    const b = uniqueEmail('sub');
    await write(b, 'ctr-news', 'optedOut');
    const res = await submit([a, b.toUpperCase()], ALLOW);
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(8);
    expect(res.body.results.map((r: any) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(res.body.results.map((r: any) => [r.record.contactPoint, r.record.purposeId, r.outcome])).toEqual([
      [a, 'ctr-news', 'created'],
      [a, 'ctr-promo', 'created'],
      [a, 'ctr-orders', 'created'],
      [a, 'ctr-tracking', 'created'],
      [b, 'ctr-news', 'updated'],
      [b, 'ctr-promo', 'created'],
      [b, 'ctr-orders', 'created'],
      [b, 'ctr-tracking', 'created'],
    ]);
    for (const r of res.body.results) {
      expect(r.record).toMatchObject({
        value: 'optedIn',
        source: 'subscriptionCenter',
        modifiedBy: 'sc-page',
      });
    }
    for (const address of [a, b]) {
      expect(await values(address)).toEqual({
        'ctr-news': 'optedIn',
        'ctr-promo': 'optedIn',
        'ctr-orders': 'optedIn',
        'ctr-tracking': 'optedIn',
      });
    }
    expect((await subscriptionPrefill({ contactPoints: `${a},${b}` })).body).toEqual(ALLOW);
  });

  it('DoNotBulkEmail opts commercial purposes out; transactional follows DoNotEmail; tracking DoNotTrack', async () => {
    const a = uniqueEmail('sub');
    await submit([a], { doNotEmail: false, doNotBulkEmail: true, doNotTrack: false });
    expect(await values(a)).toEqual({
      'ctr-news': 'optedOut',
      'ctr-promo': 'optedOut',
      'ctr-orders': 'optedIn',
      'ctr-tracking': 'optedIn',
    });
    await submit([a], { doNotEmail: true, doNotBulkEmail: false, doNotTrack: true });
    expect(await values(a)).toEqual({
      'ctr-news': 'optedOut',
      'ctr-promo': 'optedOut',
      'ctr-orders': 'optedOut',
      'ctr-tracking': 'optedOut',
    });
    expect((await subscriptionPrefill({ contactPoints: a })).body).toEqual({
      doNotEmail: true,
      doNotBulkEmail: true,
      doNotTrack: true,
    });
  });

  it('the same submit again is unchanged and adds no history', async () => {
    const a = uniqueEmail('sub');
    await submit([a], ALLOW);
    const again = await submit([a], ALLOW);
    expect(again.body.results.map((r: any) => r.outcome)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    const history = await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint: a })}`);
    expect(history.body.entries).toHaveLength(4);
  });

  it('refuses a bad address, an unknown profile or missing flags, and writes nothing', async () => {
    const good = uniqueEmail('sub');
    const bad = await submit([good, 'nobody'], ALLOW);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'contactPoints[1]', index: 1 })]);
    const unknown = await api.post('/api/subscription-center', {
      profileId: 'nope',
      contactPoints: [good],
      ...ALLOW,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((e: any) => e.path)).toEqual(['profileId']);
    const missing = await api.post('/api/subscription-center', { profileId: PROFILE, contactPoints: [good] });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: any) => e.path).sort()).toEqual([
      'doNotBulkEmail',
      'doNotEmail',
      'doNotTrack',
    ]);
    expect(await records(good)).toEqual({});
  });
});

const preferencePrefill = async (
  contactPoint: string,
  params: Record<string, string | boolean | undefined> = {},
) => {
  const res = await api.get(
    `/api/preference-center${qs({ profileId: PROFILE, channel: 'email', contactPoint, ...params })}`,
  );
  expect(res.status).toBe(200);
  return res.body;
};

/** purposeId / topicId -> optedIn, for compact assertions. */
function flat(prefill: any): Record<string, boolean> {
  return Object.fromEntries([
    ...prefill.purposes.flatMap((p: any) => [
      [p.purposeId, p.optedIn],
      ...p.topics.map((t: any) => [t.topicId, t.optedIn]),
    ]),
    [prefill.tracking.purposeId, prefill.tracking.optedIn],
  ]);
}

describe('preference center prefill', () => {
  it('has the documented shape: commercial and transactional purposes with topics, tracking apart', async () => {
    const a = uniqueEmail('pc');
    expect(await preferencePrefill(a)).toEqual({
      purposes: [
        {
          purposeId: 'ctr-news',
          type: 'commercial',
          optedIn: true,
          topics: [
            { topicId: 'ctr-weekly', optedIn: true },
            { topicId: 'ctr-offers', optedIn: true },
          ],
        },
        { purposeId: 'ctr-promo', type: 'commercial', optedIn: false, topics: [] },
        { purposeId: 'ctr-orders', type: 'transactional', optedIn: true, topics: [] },
      ],
      tracking: { purposeId: 'ctr-tracking', optedIn: true },
    });
  });

  it('contact: commercial needs both email flags, transactional DoNotEmail, tracking DoNotTrack', async () => {
    const a = uniqueEmail('pc');
    await write(a, 'ctr-promo', 'optedIn');
    const all = {
      'ctr-news': true,
      'ctr-weekly': true,
      'ctr-offers': true,
      'ctr-promo': true,
      'ctr-orders': true,
    };
    expect(flat(await preferencePrefill(a))).toEqual({ ...all, 'ctr-tracking': true });
    expect(flat(await preferencePrefill(a, { doNotBulkEmail: true }))).toEqual({
      'ctr-news': false,
      'ctr-weekly': false,
      'ctr-offers': false,
      'ctr-promo': false,
      'ctr-orders': true,
      'ctr-tracking': true,
    });
    expect(flat(await preferencePrefill(a, { doNotEmail: true }))).toEqual({
      'ctr-news': false,
      'ctr-weekly': false,
      'ctr-offers': false,
      'ctr-promo': false,
      'ctr-orders': false,
      'ctr-tracking': true,
    });
    expect(flat(await preferencePrefill(a, { doNotTrack: true }))).toEqual({ ...all, 'ctr-tracking': false });
  });

  it('leads and data profiles: will send / will track alone, the flags do not count', async () => {
    const a = uniqueEmail('pc');
    await write(a, 'ctr-promo', 'optedIn');
    for (const audience of ['lead', 'profile']) {
      const prefill = flat(
        await preferencePrefill(a, { audience, doNotEmail: true, doNotBulkEmail: true, doNotTrack: true }),
      );
      expect(Object.values(prefill).every(Boolean)).toBe(true);
    }
  });

  it('follows the records: restrictive needs an opt-in, a purpose opt-out hides its topics, a topic opt-out only itself', async () => {
    const a = uniqueEmail('pc');
    await write(a, 'ctr-news', 'optedOut');
    await write(a, 'ctr-news', 'optedIn', 'ctr-offers');
    await write(a, 'ctr-tracking', 'optedOut');
    expect(flat(await preferencePrefill(a))).toEqual({
      'ctr-news': false,
      'ctr-weekly': false,
      'ctr-offers': false,
      'ctr-promo': false,
      'ctr-orders': true,
      'ctr-tracking': false,
    });
    const b = uniqueEmail('pc');
    await write(b, 'ctr-news', 'optedOut', 'ctr-weekly');
    expect(flat(await preferencePrefill(b))).toMatchObject({
      'ctr-news': true,
      'ctr-weekly': false,
      'ctr-offers': true,
    });
  });

  it('agrees with /api/contactability for the same contact point and flags', async () => {
    const a = uniqueEmail('pc');
    await write(a, 'ctr-promo', 'optedIn');
    await write(a, 'ctr-news', 'optedOut', 'ctr-weekly');
    const params = {
      profileId: PROFILE,
      channel: 'email',
      contactPoint: a,
      doNotEmail: false,
      doNotBulkEmail: true,
    };
    const view = (await api.get(`/api/contactability${qs(params)}`)).body;
    const prefill = (await api.get(`/api/preference-center${qs(params)}`)).body;
    const fromView = Object.fromEntries([
      ...view.purposes.flatMap((p: any) => [
        [p.purposeId, p.willSend],
        ...p.topics.map((t: any) => [t.topicId, t.willSend]),
      ]),
      [view.tracking.purposeId, view.tracking.willTrack],
    ]);
    expect(flat(prefill)).toEqual(fromView);
  });

  it('404 for an unknown profile, 400 for a bad contact point', async () => {
    const unknown = await api.get(
      `/api/preference-center${qs({ profileId: 'nope', channel: 'email', contactPoint: uniqueEmail() })}`,
    );
    expect(unknown.status).toBe(404);
    const bad = await api.get(
      `/api/preference-center${qs({ profileId: PROFILE, channel: 'sms', contactPoint: '12' })}`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('contactPoint');
  });
});

describe('preference center submit', () => {
  it('writes only the chosen records of that contact point, with source preferenceCenter', async () => {
    const a = uniqueEmail('pcs');
    await write(a, 'ctr-orders', 'optedOut');
    const res = await api.post('/api/preference-center', {
      profileId: PROFILE,
      channel: 'email',
      contactPoint: a.toUpperCase(),
      choices: [
        { purposeId: 'ctr-news', topicId: 'ctr-weekly', value: 'optedOut' },
        { purposeId: 'ctr-promo', value: 'optedIn' },
        { purposeId: 'ctr-tracking', value: 'optedOut' },
      ],
    });
    expect(res.status).toBe(200);
    expect(
      res.body.results.map((r: any) => [r.index, r.outcome, r.record.contactPoint, r.record.source]),
    ).toEqual([
      [0, 'created', a, 'preferenceCenter'],
      [1, 'created', a, 'preferenceCenter'],
      [2, 'created', a, 'preferenceCenter'],
    ]);
    expect(await values(a)).toEqual({
      'ctr-news/ctr-weekly': 'optedOut',
      'ctr-promo': 'optedIn',
      'ctr-tracking': 'optedOut',
      'ctr-orders': 'optedOut',
    });
    expect(flat(await preferencePrefill(a))).toEqual({
      'ctr-news': true,
      'ctr-weekly': false,
      'ctr-offers': true,
      'ctr-promo': true,
      'ctr-orders': false,
      'ctr-tracking': false,
    });
  });

  it('works for phone numbers too (normalized to E.164)', async () => {
    const res = await api.post('/api/preference-center', {
      profileId: PROFILE,
      channel: 'sms',
      contactPoint: '(425) 555-0142',
      choices: [{ purposeId: 'ctr-promo', value: 'optedIn' }],
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0].record).toMatchObject({ channel: 'sms', contactPoint: '+14255550142' });
  });

  it('refuses choices outside the profile, duplicates or a bad address, and writes nothing', async () => {
    const a = uniqueEmail('pcs');
    const res = await api.post('/api/preference-center', {
      profileId: PROFILE,
      channel: 'email',
      contactPoint: a,
      choices: [
        { purposeId: 'ctr-news', value: 'optedOut' },
        { purposeId: 'commercial', value: 'optedOut' },
        { purposeId: 'ctr-promo', topicId: 'ctr-weekly', value: 'optedIn' },
        { purposeId: 'ctr-news', value: 'optedIn' },
        { purposeId: 'ctr-orders', value: 'maybe' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.path)).toEqual(['choices[4].value']);
    const semantic = await api.post('/api/preference-center', {
      profileId: PROFILE,
      channel: 'email',
      contactPoint: a,
      choices: [
        { purposeId: 'ctr-news', value: 'optedOut' },
        { purposeId: 'commercial', value: 'optedOut' },
        { purposeId: 'ctr-promo', topicId: 'ctr-weekly', value: 'optedIn' },
        { purposeId: 'ctr-news', value: 'optedIn' },
      ],
    });
    expect(semantic.status).toBe(400);
    expect(semantic.body.errors.map((e: any) => [e.path, e.index])).toEqual([
      ['choices[1].purposeId', 1],
      ['choices[2].topicId', 2],
      ['choices[3]', 3],
    ]);
    const badAddress = await api.post('/api/preference-center', {
      profileId: PROFILE,
      channel: 'email',
      contactPoint: 'nobody',
      choices: [{ purposeId: 'ctr-news', value: 'optedOut' }],
    });
    expect(badAddress.body.errors.map((e: any) => e.path)).toEqual(['contactPoint']);
    expect(await records(a)).toEqual({});
  });
});

const load = (body: Record<string, unknown>, actor = 'loader') =>
  api.post(
    '/api/consents/load',
    { profileId: PROFILE, purposeId: 'ctr-news', ...body },
    { 'x-consent-actor': actor },
  );

describe('load consent', () => {
  it('contacts: opted out if DoNotEmail or DoNotBulkEmail blocks, else opted in; tracking from DoNotTrack', async () => {
    const [a, b, c, d] = [uniqueEmail('ld'), uniqueEmail('ld'), uniqueEmail('ld'), uniqueEmail('ld')];
    const res = await load({
      from: 'contacts',
      members: [
        { email: a },
        { email: b, doNotEmail: true },
        { email: c, doNotBulkEmail: true, doNotTrack: true },
        { email: d.toUpperCase(), doNotEmail: false, doNotBulkEmail: false, doNotTrack: false },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      consent: { created: 4, updated: 0, unchanged: 0, suppressed: 0 },
      tracking: { created: 4, updated: 0, unchanged: 0, suppressed: 0 },
    });
    expect(await values(a)).toEqual({ 'ctr-news': 'optedIn', 'ctr-tracking': 'optedIn' });
    expect(await values(b)).toEqual({ 'ctr-news': 'optedOut', 'ctr-tracking': 'optedIn' });
    expect(await values(c)).toEqual({ 'ctr-news': 'optedOut', 'ctr-tracking': 'optedOut' });
    expect(await values(d)).toEqual({ 'ctr-news': 'optedIn', 'ctr-tracking': 'optedIn' });
    const stored = await records(a);
    expect(stored['ctr-news']).toMatchObject({ source: 'loaded', modifiedBy: 'loader' });
    expect(stored['ctr-tracking']).toMatchObject({ source: 'loaded' });
  });

  it('an address shared by several members is opted in only if all of them allow', async () => {
    const shared = uniqueEmail('ld');
    const allAllow = uniqueEmail('ld');
    const res = await load({
      from: 'contacts',
      members: [
        { email: shared },
        { email: allAllow },
        { email: ` ${shared.toUpperCase()} `, doNotBulkEmail: true },
        { email: allAllow, doNotTrack: false },
        { email: shared, doNotTrack: true },
      ],
    });
    expect(res.body).toEqual({
      consent: { created: 2, updated: 0, unchanged: 0, suppressed: 0 },
      tracking: { created: 2, updated: 0, unchanged: 0, suppressed: 0 },
    });
    expect(await values(shared)).toEqual({ 'ctr-news': 'optedOut', 'ctr-tracking': 'optedOut' });
    expect(await values(allAllow)).toEqual({ 'ctr-news': 'optedIn', 'ctr-tracking': 'optedIn' });
  });

  it('leads: the same rule, and no tracking records', async () => {
    const [a, b] = [uniqueEmail('ld'), uniqueEmail('ld')];
    const res = await load({
      from: 'leads',
      members: [
        { email: a, doNotTrack: true },
        { email: b, doNotBulkEmail: true },
      ],
    });
    expect(res.body).toEqual({
      consent: { created: 2, updated: 0, unchanged: 0, suppressed: 0 },
      tracking: { created: 0, updated: 0, unchanged: 0, suppressed: 0 },
    });
    expect(await values(a)).toEqual({ 'ctr-news': 'optedIn' });
    expect(await values(b)).toEqual({ 'ctr-news': 'optedOut' });
  });

  it('lists: every member gets the chosen value, into a topic when one is named', async () => {
    const [a, b] = [uniqueEmail('ld'), uniqueEmail('ld')];
    const res = await load({
      topicId: 'ctr-offers',
      from: 'list',
      value: 'optedOut',
      members: [{ email: a }, { email: b, doNotEmail: false }],
    });
    expect(res.body).toEqual({
      consent: { created: 2, updated: 0, unchanged: 0, suppressed: 0 },
      tracking: { created: 0, updated: 0, unchanged: 0, suppressed: 0 },
    });
    for (const address of [a, b])
      expect(await values(address)).toEqual({ 'ctr-news/ctr-offers': 'optedOut' });
    const optIn = await load({
      topicId: 'ctr-offers',
      from: 'list',
      value: 'optedIn',
      members: [{ email: a }],
    });
    expect(optIn.body.consent).toEqual({ created: 0, updated: 1, unchanged: 0, suppressed: 0 });
  });

  it('contacts and leads load into the purpose: a topic is for lists only, and nothing is written', async () => {
    for (const from of ['contacts', 'leads']) {
      const a = uniqueEmail('ld');
      const res = await load({ topicId: 'ctr-weekly', from, members: [{ email: a }] });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ path: 'topicId' })]);
      expect(await values(a)).toEqual({});
    }
  });

  it('loading the same members twice reports everything unchanged the second time, with no new history', async () => {
    const members = Array.from({ length: 30 }, (_, i) => ({
      email: uniqueEmail('twice'),
      doNotEmail: i % 5 === 0,
      doNotTrack: i % 7 === 0,
    }));
    const first = await load({ from: 'contacts', members });
    expect(first.body).toEqual({
      consent: { created: 30, updated: 0, unchanged: 0, suppressed: 0 },
      tracking: { created: 30, updated: 0, unchanged: 0, suppressed: 0 },
    });
    const second = await load({ from: 'contacts', members });
    expect(second.body).toEqual({
      consent: { created: 0, updated: 0, unchanged: 30, suppressed: 0 },
      tracking: { created: 0, updated: 0, unchanged: 30, suppressed: 0 },
    });
    const history = await api.get(
      `/api/consents/history${qs({ channel: 'email', contactPoint: members[0]!.email })}`,
    );
    expect(history.body.entries).toHaveLength(2);
  });

  it('writes more records than one upsert takes (chunked inside the service)', async () => {
    const members = Array.from({ length: 700 }, (_, i) => ({
      email: uniqueEmail('bulk'),
      doNotBulkEmail: i % 2 === 0,
    }));
    const res = await load({ from: 'contacts', members });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      consent: { created: 700, updated: 0, unchanged: 0, suppressed: 0 },
      tracking: { created: 700, updated: 0, unchanged: 0, suppressed: 0 },
    });
    expect(await values(members[0]!.email)).toEqual({ 'ctr-news': 'optedOut', 'ctr-tracking': 'optedIn' });
    expect(await values(members[699]!.email)).toEqual({ 'ctr-news': 'optedIn', 'ctr-tracking': 'optedIn' });
  });

  it('refuses bad input naming every index and path, and writes nothing', async () => {
    const good = uniqueEmail('ldbad');
    const res = await load({
      purposeId: 'ctr-tracking',
      from: 'contacts',
      value: 'optedIn',
      members: [
        { email: good },
        { email: 'not-an-address' },
        { mail: good },
        { email: good, doNotEmail: 'yes' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body.errors.map((e: any) => [e.path, e.index])).toEqual([
      ['value', undefined],
      ['purposeId', undefined],
      ['members[1].email', 1],
      ['members[2].email', 2],
      // A field the service does not know (a misspelt flag, too) is refused, never read as "allows".
      ['members[2].mail', 2],
      ['members[3].doNotEmail', 3],
    ]);
    const unknown = await load({ profileId: 'nope', from: 'contacts', members: [{ email: good }] });
    expect(unknown.body.errors.map((e: any) => e.path)).toEqual(['profileId']);
    const foreign = await load({ purposeId: 'commercial', from: 'contacts', members: [{ email: good }] });
    expect(foreign.body.errors.map((e: any) => e.path)).toEqual(['purposeId']);
    const topic = await load({ topicId: 'nope', from: 'list', value: 'optedIn', members: [{ email: good }] });
    expect(topic.body.errors.map((e: any) => e.path)).toEqual(['topicId']);
    const listWithoutValue = await load({ from: 'list', members: [{ email: good }] });
    expect(listWithoutValue.body.errors.map((e: any) => e.path)).toEqual(['value']);
    expect((await load({ from: 'contacts', members: [] })).status).toBe(400);
    const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ email: `m${i}@x.com` }));
    expect((await load({ from: 'contacts', members: tooMany })).status).toBe(400);
    // one bad member among many valid ones: none of the valid ones is written
    const many = Array.from({ length: 50 }, () => ({ email: uniqueEmail('ldbad') }));
    const oneBad = await load({ from: 'contacts', members: [...many, { email: 'broken@' }] });
    expect(oneBad.body.errors).toEqual([expect.objectContaining({ path: 'members[50].email', index: 50 })]);
    for (const address of [good, many[0]!.email, many[49]!.email]) expect(await records(address)).toEqual({});
  });
});
