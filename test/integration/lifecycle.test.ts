/*
 * The consent lifecycle over HTTP: opt-ins that expire, purpose lifetimes, double opt-in through a
 * confirmation link, and decisions replayed as of a past time with the evidence they rest on. Its
 * own host (and a second one whose clock runs eight days ahead, to see links lapse) over the shared
 * Azurite, under its own tables, since it changes the global settings.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, qs, uniqueEmail } from '../support/client';
import { eventually } from '../support/eventually';
import { startHost, type RunningHost } from '../support/processes';

const DAY = 86_400_000;
const PREFIX = `lc${process.pid}`;
let host: RunningHost;
let later: RunningHost;
let api: ReturnType<typeof apiClient>;
let ahead: ReturnType<typeof apiClient>;

const ids = {
  strict: 'lc-strict',
  news: 'lc-news',
  lenient: 'lc-lenient',
  yearly: 'lc-yearly',
  digest: 'lc-digest',
  tracking: 'lc-tracking',
};

function profile(strictModel = 'restrictive') {
  return {
    name: 'Lifecycle',
    companyAddress: '1 Main St, Springfield',
    purposes: [
      {
        id: ids.strict,
        name: 'Offers',
        type: 'commercial',
        enforcement: strictModel,
        topics: [{ id: ids.news, name: 'News' }],
      },
      { id: ids.lenient, name: 'Updates', type: 'commercial', enforcement: 'nonRestrictive' },
      {
        id: ids.yearly,
        name: 'Yearly',
        type: 'commercial',
        enforcement: 'restrictive',
        consentLifetimeDays: 30,
        topics: [{ id: ids.digest, name: 'Digest' }],
      },
      { id: ids.tracking, name: 'Tracking', type: 'tracking', enforcement: 'restrictive' },
    ],
  };
}

beforeAll(async () => {
  const env = {
    AzureWebJobsStorage: inject('storageConnection'),
    CONSENT_TABLE_PREFIX: PREFIX,
    PROFILE_CACHE_SECONDS: '0',
  };
  [host, later] = await Promise.all([
    startHost(env),
    startHost({ ...env, LOCAL_CLOCK_OFFSET_MS: String(8 * DAY) }),
  ]);
  api = apiClient(host.url, null);
  ahead = apiClient(later.url, null);
  const put = await api.put('/api/profiles/lc', profile());
  expect(put.status, JSON.stringify(put.body)).toBe(201);
});

afterAll(async () => {
  await Promise.all([host?.stop(), later?.stop()]);
});

function write(contactPoint: string, purposeId: string, value: string, extra: Record<string, unknown> = {}) {
  return api.post('/api/consents', { channel: 'email', contactPoint, purposeId, value, ...extra });
}

function message(contactPoint: string, purposeId: string, extra: Record<string, unknown> = {}) {
  return {
    messageId: `m-${purposeId}`,
    channel: 'email',
    contactPoint,
    profileId: 'lc',
    purposeId,
    ...extra,
  };
}

async function decide(client: ReturnType<typeof apiClient>, body: Record<string, unknown>) {
  const res = await client.post('/api/check', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.decisions as any[];
}

async function records(contactPoint: string) {
  const res = await api.get(`/api/consents${qs({ channel: 'email', contactPoint })}`);
  expect(res.status).toBe(200);
  return res.body.records as any[];
}

async function history(contactPoint: string) {
  const res = await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint })}`);
  expect(res.status).toBe(200);
  return res.body.entries as any[];
}

describe('expiry', () => {
  it('an opt-in expiring between two checks: sent, then blocked with the expired reason, and notSet everywhere', async () => {
    const email = uniqueEmail('expiring');
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    expect((await write(email, ids.strict, 'optedIn', { expiresAt })).status).toBe(200);
    const [before] = await decide(api, { messages: [message(email, ids.strict)] });
    expect(before).toMatchObject({ decision: 'sent', consent: { purpose: 'optedIn' } });

    const [after] = await eventually(
      () => decide(api, { messages: [message(email, ids.strict)] }),
      ([d]) => d.decision === 'blocked',
      { everyMs: 50 },
    );
    expect(after).toMatchObject({
      decision: 'blocked',
      reasons: ['purpose-opt-in-expired'],
      consent: { purpose: 'notSet' },
    });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    // The record itself is kept as written: the evaluation, not the store, decides it has expired.
    expect((await records(email))[0]).toMatchObject({ value: 'optedIn', expiresAt });

    const view = await api.get(
      `/api/contactability${qs({ channel: 'email', contactPoint: email, profileId: 'lc' })}`,
    );
    const strict = view.body.purposes.find((p: any) => p.purposeId === ids.strict);
    expect(strict).toMatchObject({ consent: 'notSet', willSend: false, reasons: ['purpose-opt-in-expired'] });
    const prefill = await api.get(
      `/api/preference-center${qs({ channel: 'email', contactPoint: email, profileId: 'lc' })}`,
    );
    expect(prefill.body.purposes.find((p: any) => p.purposeId === ids.strict).optedIn).toBe(false);
  });

  it('a nonRestrictive purpose still sends once an opt-in expired; topics and tracking expire too', async () => {
    const email = uniqueEmail('expired');
    const soon = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    const res = await api.post('/api/consents', {
      records: [
        { channel: 'email', contactPoint: email, purposeId: ids.lenient, value: 'optedIn', expiresAt: soon },
        { channel: 'email', contactPoint: email, purposeId: ids.strict, value: 'optedIn' },
        {
          channel: 'email',
          contactPoint: email,
          purposeId: ids.strict,
          topicId: ids.news,
          value: 'optedIn',
          expiresAt: soon,
        },
        { channel: 'email', contactPoint: email, purposeId: ids.tracking, value: 'optedIn', expiresAt: soon },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const messages = [message(email, ids.lenient), message(email, ids.strict, { topicId: ids.news })];
    const now = await decide(api, { messages });
    expect(now.map((d) => [d.decision, d.tracked])).toEqual([
      ['sent', true],
      ['sent', true],
    ]);
    // Eight days later (the second host's clock), every one of those opt-ins has expired.
    const [lenient, topic] = await decide(ahead, { messages });
    expect(lenient).toMatchObject({
      decision: 'sent',
      tracked: false,
      consent: { purpose: 'notSet', tracking: 'notSet' },
      trackingReasons: ['tracking-opt-in-expired'],
    });
    expect(topic).toMatchObject({
      decision: 'blocked',
      reasons: ['topic-opt-in-expired'],
      consent: { purpose: 'optedIn', topic: 'notSet' },
    });
  });

  it('only an opt-in expires: a bad expiresAt is a 400 naming it and nothing is written; on an opt-out it is ignored', async () => {
    const email = uniqueEmail('no-expiry');
    const res = await api.post('/api/consents', {
      records: [
        { channel: 'email', contactPoint: email, purposeId: ids.strict, value: 'optedIn' },
        {
          channel: 'email',
          contactPoint: email,
          purposeId: ids.lenient,
          value: 'optedOut',
          expiresAt: '2030-01-01T00:00:00Z',
        },
        {
          channel: 'email',
          contactPoint: email,
          purposeId: ids.yearly,
          value: 'optedIn',
          expiresAt: 'tomorrow',
        },
      ],
    });
    // An opt-out is never refused for its expiresAt (it is ignored: opt-outs never expire).
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.path).sort()).toEqual(['records[2].expiresAt']);
    expect(await records(email)).toEqual([]);
  });
});

describe('lifetime', () => {
  it('gives new opt-ins to a purpose and its topics the lifetime, renews it with a later opt-in, and lets a written expiry win', async () => {
    const email = uniqueEmail('lifetime');
    const captured = '2026-11-01T10:00:00.000Z';
    const first = await write(email, ids.yearly, 'optedIn', { capturedAt: captured });
    expect(first.body.results[0].record.expiresAt).toBe(
      new Date(Date.parse(captured) + 30 * DAY).toISOString(),
    );
    const topic = await write(email, ids.yearly, 'optedIn', { topicId: ids.digest, capturedAt: captured });
    expect(topic.body.results[0].record.expiresAt).toBe(
      new Date(Date.parse(captured) + 30 * DAY).toISOString(),
    );

    const echo = await write(email, ids.yearly, 'optedIn', { capturedAt: captured });
    expect(echo.body.results[0].outcome).toBe('unchanged');
    const renewed = await write(email, ids.yearly, 'optedIn', { capturedAt: '2026-11-10T10:00:00.000Z' });
    expect(renewed.body.results[0]).toMatchObject({
      outcome: 'updated',
      record: { expiresAt: '2026-12-10T10:00:00.000Z' },
    });
    const explicit = await write(email, ids.yearly, 'optedIn', {
      capturedAt: '2026-11-11T10:00:00.000Z',
      expiresAt: '2027-11-11T10:00:00Z',
    });
    expect(explicit.body.results[0].record.expiresAt).toBe('2027-11-11T10:00:00Z');
    const out = await write(email, ids.yearly, 'optedOut', { capturedAt: '2026-11-12T10:00:00.000Z' });
    expect(out.body.results[0].record).not.toHaveProperty('expiresAt');
    // A purpose without a lifetime: opt-ins never expire unless told.
    const plain = await write(email, ids.strict, 'optedIn');
    expect(plain.body.results[0].record).not.toHaveProperty('expiresAt');
  });

  it('a profile states the lifetime and refuses one out of range', async () => {
    const read = await api.get('/api/profiles/lc');
    expect(read.body.purposes.find((p: any) => p.id === ids.yearly).consentLifetimeDays).toBe(30);
    const bad = profile();
    (bad.purposes[2] as any).consentLifetimeDays = 0;
    (bad.purposes[1] as any).consentLifetimeDays = 3651;
    const res = await api.put('/api/profiles/lc', bad);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.path).sort()).toEqual([
      'purposes[1].consentLifetimeDays',
      'purposes[2].consentLifetimeDays',
    ]);
  });
});

describe('double opt-in', () => {
  async function request(contactPoint: string, extra: Record<string, unknown> = {}) {
    return api.post('/api/consents/confirmations', {
      channel: 'email',
      contactPoint,
      profileId: 'lc',
      purposeId: ids.strict,
      source: 'form',
      reason: 'optInLandingPage',
      reasonDescription: 'newsletter sign-up',
      ...extra,
    });
  }
  const page = (client: ReturnType<typeof apiClient>, url: string, method = 'GET') =>
    client.call(method, new URL(url).pathname, method === 'POST' ? 'confirm=yes' : undefined, {
      'content-type': 'application/x-www-form-urlencoded',
    });

  it('counts nothing until confirmed; the page changes nothing; POST confirms with proof; a repeat is unchanged', async () => {
    const email = uniqueEmail('doi');
    const requested = Date.now();
    const res = await request(email);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.confirmUrl).toMatch(new RegExp(`^${host.url}/api/confirm/[A-Za-z0-9_-]+$`));
    const lapses = Date.parse(res.body.expiresAt) - requested;
    expect(lapses).toBeGreaterThanOrEqual(7 * DAY - 1000);
    expect(lapses).toBeLessThanOrEqual(7 * DAY + 60_000);

    expect(await records(email)).toEqual([]);
    expect((await decide(api, { messages: [message(email, ids.strict)] }))[0]).toMatchObject({
      decision: 'blocked',
      reasons: ['purpose-opt-in-required'],
    });
    for (let i = 0; i < 2; i++) {
      const shown = await page(api, res.body.confirmUrl);
      expect(shown.status).toBe(200);
      expect(shown.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(shown.body).toContain('<form method="post">');
      expect(shown.body).toContain('Offers emails');
    }
    expect(await records(email)).toEqual([]);

    const confirmed = await page(api, res.body.confirmUrl, 'POST');
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('Thank you');
    const [record] = await records(email);
    expect(record).toMatchObject({
      value: 'optedIn',
      source: 'form',
      reason: 'optInLandingPage',
      reasonDescription: 'newsletter sign-up',
      modifiedBy: 'double-opt-in',
    });
    expect(record.confirmation.requestedAt).toBe(
      new Date(Date.parse(res.body.expiresAt) - 7 * DAY).toISOString(),
    );
    expect(record.capturedAt).toBe(record.confirmation.confirmedAt);
    const entries = await history(email);
    expect(entries).toHaveLength(1);
    expect(entries[0].after.confirmation).toEqual(record.confirmation);
    expect((await decide(api, { messages: [message(email, ids.strict)] }))[0].decision).toBe('sent');

    const again = await page(api, res.body.confirmUrl, 'POST');
    expect(again.status).toBe(200);
    expect(again.body).toContain('Already confirmed');
    expect(await history(email)).toHaveLength(1);
    expect((await page(api, res.body.confirmUrl)).body).toContain('Already confirmed');

    // Opted out since: a repeated confirmation (captured when it first happened) cannot undo that.
    expect((await write(email, ids.strict, 'optedOut')).status).toBe(200);
    expect((await page(api, res.body.confirmUrl, 'POST')).status).toBe(200);
    expect((await records(email))[0].value).toBe('optedOut');
    expect(await history(email)).toHaveLength(2);
  });

  it('concurrent confirmations write one history entry', async () => {
    const email = uniqueEmail('doi-race');
    const { confirmUrl } = (await request(email)).body;
    const answers = await Promise.all(Array.from({ length: 6 }, () => page(api, confirmUrl, 'POST')));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await history(email)).toHaveLength(1);
  });

  it("a confirmed opt-in carries the request's expiry, else the purpose lifetime; a topic or the tracking purpose can be confirmed", async () => {
    const email = uniqueEmail('doi-expiry');
    const withExpiry = await request(email, { expiresAt: '2028-01-01T00:00:00Z' });
    const topic = await request(email, { purposeId: ids.yearly, topicId: ids.digest });
    const tracking = await request(email, { purposeId: ids.tracking });
    for (const res of [withExpiry, topic, tracking]) {
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect((await page(api, res.body.confirmUrl, 'POST')).status).toBe(200);
    }
    const byKey = new Map((await records(email)).map((r) => [r.topicId ?? r.purposeId, r]));
    expect(byKey.get(ids.strict)!.expiresAt).toBe('2028-01-01T00:00:00Z');
    const digest = byKey.get(ids.digest)!;
    expect(digest.expiresAt).toBe(new Date(Date.parse(digest.capturedAt) + 30 * DAY).toISOString());
    expect(byKey.get(ids.tracking)).toMatchObject({ value: 'optedIn' });
    expect(byKey.get(ids.tracking)).not.toHaveProperty('expiresAt');
  });

  it('a link lapses after CONFIRMATION_DAYS: a 404 page and nothing written', async () => {
    const email = uniqueEmail('doi-lapse');
    const { confirmUrl } = (await request(email)).body;
    for (const method of ['GET', 'POST']) {
      const lapsed = await page(ahead, confirmUrl, method);
      expect(lapsed.status).toBe(404);
      expect(lapsed.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(lapsed.body).toContain('This link is not valid');
    }
    expect(await records(email)).toEqual([]);
    // Still valid on today's clock.
    expect((await page(api, confirmUrl)).status).toBe(200);
  });

  it('a tampered token, another kind of token, or a token on another page is an invalid link', async () => {
    const email = uniqueEmail('doi-tamper');
    const { confirmUrl } = (await request(email)).body;
    const token = confirmUrl.split('/').pop()!;
    const flipped = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
    const links = await api.post('/api/links', {
      links: [{ channel: 'email', contactPoint: email, profileId: 'lc', purposeId: ids.strict }],
    });
    const linkToken = links.body.links[0].unsubscribeUrl.split('/').pop();
    for (const path of [
      `/api/confirm/${flipped}`,
      `/api/confirm/${token}x`,
      `/api/confirm/${linkToken}`,
      `/api/unsubscribe/${token}`,
      `/api/preferences/${token}`,
    ]) {
      const res = await api.call('POST', path, 'confirm=yes&List-Unsubscribe=One-Click', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(res.status, path).toBe(404);
    }
    expect(await records(email)).toEqual([]);
  });

  it('refuses what cannot be confirmed with one 400 naming every problem, and caps what may wait', async () => {
    const email = uniqueEmail('doi-bad');
    const bad = await api.post('/api/consents/confirmations', {
      channel: 'email',
      contactPoint: 'not an address',
      profileId: 'lc',
      purposeId: ids.strict,
      topicId: ids.digest,
      expiresAt: '2020-01-01T00:00:00Z',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.path).sort()).toEqual(['contactPoint', 'expiresAt', 'topicId']);
    expect((await request(email, { profileId: 'nobody' })).status).toBe(400);
    expect((await request(email, { purposeId: 'nothing' })).status).toBe(400);

    const waiting = await Promise.all(Array.from({ length: 20 }, () => request(email)));
    expect(waiting.map((w) => w.status)).toEqual(Array(20).fill(202));
    const more = await request(email);
    expect(more.status).toBe(409);
    expect(more.headers.get('content-type')).toBe('application/problem+json');
    // Confirming one makes room.
    expect((await page(api, waiting[0]!.body.confirmUrl, 'POST')).status).toBe(200);
    expect((await request(email)).status).toBe(202);
  });
});

describe('as of a past time', () => {
  const check = (contactPoint: string, asOf?: string, extra: Record<string, unknown> = {}) =>
    decide(api, { ...(asOf ? { asOf } : {}), messages: [message(contactPoint, ids.strict, extra)] });
  const minus = (iso: string, ms: number) => new Date(Date.parse(iso) - ms).toISOString();

  it('replays a decision before and after a record change, with the record versions it rests on', async () => {
    const email = uniqueEmail('replay');
    const optIn = (await write(email, ids.strict, 'optedIn')).body.results[0].record;
    const optOut = (await write(email, ids.strict, 'optedOut')).body.results[0].record;

    const [live] = await check(email);
    expect(live).toMatchObject({
      decision: 'blocked',
      reasons: ['purpose-opted-out'],
      evidence: { profileVersion: 1, records: { purpose: optOut.version, tracking: null } },
    });
    const [beforeAnything] = await check(email, minus(optIn.modifiedAt, 1));
    expect(beforeAnything).toMatchObject({
      decision: 'blocked',
      reasons: ['purpose-opt-in-required'],
      consent: { purpose: 'notSet' },
      evidence: { records: { purpose: null } },
    });
    const [between] = await check(email, optIn.modifiedAt);
    expect(between).toMatchObject({
      decision: 'sent',
      consent: { purpose: 'optedIn' },
      evidence: { records: { purpose: optIn.version } },
    });
    const [afterward] = await check(email, optOut.modifiedAt);
    expect(afterward).toEqual({ ...live });
  });

  it('replays at every point of a long history the same way, near (point reads) or far back (a query)', async () => {
    const email = uniqueEmail('replay-long');
    const written: Array<{ value: string; modifiedAt: string }> = [];
    for (let i = 0; i < 24; i++) {
      const value = i % 3 === 2 ? 'optedOut' : 'optedIn';
      const res = await write(email, ids.strict, value, { reasonDescription: `write ${i}` });
      written.push({
        value: res.body.results[0].record.value,
        modifiedAt: res.body.results[0].record.modifiedAt,
      });
    }
    const points = [0, 1, 2, 5, 7, 8, 15, 20, 23];
    const decisions = await Promise.all(points.map((i) => check(email, written[i]!.modifiedAt)));
    expect(decisions.map(([d]) => d.consent.purpose)).toEqual(points.map((i) => written[i]!.value));
    expect(decisions.map(([d]) => d.evidence.records.purpose)).toEqual(points.map((i) => String(i + 1)));
  });

  it('replays before and after an enforcement change and a switch change, with the profile version', async () => {
    const email = uniqueEmail('replay-profile');
    const lenient = await api.put('/api/profiles/lc-replay', profileWithIds('rp', 'nonRestrictive'));
    expect(lenient.status, JSON.stringify(lenient.body)).toBe(201);
    expect(lenient.body.version).toBe(1);
    const msg = {
      messageId: 'm',
      channel: 'email',
      contactPoint: email,
      profileId: 'lc-replay',
      purposeId: 'rp-offers',
      contact: { doNotEmail: true },
    };
    const beforeChange = new Date().toISOString();
    // The same profile again is no change: no new version.
    expect(
      (await api.put('/api/profiles/lc-replay', profileWithIds('rp', 'nonRestrictive'))).body.version,
    ).toBe(1);
    const strict = await api.put('/api/profiles/lc-replay', profileWithIds('rp', 'restrictive'));
    expect(strict.body.version).toBe(2);
    const switchOff = await api.put('/api/settings', { checkContactConsent: false });
    expect(switchOff.status).toBe(200);
    try {
      const [live] = await decide(api, { messages: [msg] });
      expect(live).toMatchObject({
        decision: 'blocked',
        reasons: ['purpose-opt-in-required'],
        enforcement: { purpose: 'restrictive' },
        evidence: { profileVersion: 2 },
      });
      const [replayed] = await decide(api, { asOf: beforeChange, messages: [msg] });
      expect(replayed).toMatchObject({
        decision: 'blocked',
        // The switch was on then: the contact's own flag counted, under the lenient model.
        reasons: ['contact-do-not-email'],
        enforcement: { purpose: 'nonRestrictive' },
        evidence: { profileVersion: 1 },
      });
      const [beforeProfile] = await decide(api, {
        asOf: minus(beforeChange, 60 * 60 * 1000),
        messages: [msg],
      });
      expect(beforeProfile).toMatchObject({
        decision: 'blocked',
        reasons: ['unknown-profile'],
        evidence: { profileVersion: null },
      });
    } finally {
      expect((await api.put('/api/settings', { checkContactConsent: true })).status).toBe(200);
    }
  });

  it('judges expiry at the replayed time, makes no links for a replay, and refuses a future or malformed asOf', async () => {
    const email = uniqueEmail('replay-expiry');
    const expiresAt = new Date(Date.now() + 2 * DAY).toISOString();
    const written = (await write(email, ids.strict, 'optedIn', { expiresAt })).body.results[0].record;
    const daysOn = (days: number) => new Date(Date.parse(written.modifiedAt) + days * DAY).toISOString();
    // The second host's clock runs eight days ahead: there, one and three days on are past times.
    const [oneDayOn] = await decide(ahead, { asOf: daysOn(1), messages: [message(email, ids.strict)] });
    expect(oneDayOn).toMatchObject({ decision: 'sent', consent: { purpose: 'optedIn' } });
    const [threeDaysOn] = await decide(ahead, { asOf: daysOn(3), messages: [message(email, ids.strict)] });
    expect(threeDaysOn).toMatchObject({ decision: 'blocked', reasons: ['purpose-opt-in-expired'] });

    const withLinks = message(email, ids.strict, { links: true });
    const [now] = await decide(api, { messages: [withLinks] });
    expect(now.links).toBeDefined();
    const [replay] = await decide(api, { asOf: written.modifiedAt, messages: [withLinks] });
    expect(replay.decision).toBe('sent');
    expect(replay.links).toBeUndefined();

    for (const asOf of [new Date(Date.now() + 60_000).toISOString(), 'yesterday', '2026-02-30T00:00:00Z']) {
      const res = await api.post('/api/check', { asOf, messages: [message(email, ids.strict)] });
      expect(res.status, asOf).toBe(400);
      expect(res.body.errors[0].path).toBe('asOf');
    }
  });
});

function profileWithIds(prefix: string, model: string) {
  return {
    name: 'Replay',
    purposes: [
      { id: `${prefix}-offers`, name: 'Offers', type: 'commercial', enforcement: model },
      { id: `${prefix}-tracking`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  };
}
