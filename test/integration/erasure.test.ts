/*
 * A person's right to be forgotten (issue 23): export hands over everything held; erasure leaves no
 * address, local part, unkeyed digest or content in any table, only a keyed tombstone that keeps
 * blocking; no load, sync, replay or old capture time re-subscribes the address, only the person.
 * A host of its own over the shared Azurite; its tables are scanned raw.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { boundedClient, type BoundedClient } from '../support/bounded-client';
import { qs, uniqueEmail } from '../support/client';
import { startHost, type RunningHost } from '../support/processes';
import { rawTableText, traces } from '../support/raw-tables';
import { subjectOf } from '../../shared/storage/subject-key';

const KEY = 'erasure-key';
const PREFIX = 'erase';
const tag = `${process.pid}${Date.now().toString(36)}`;
const A = `er-a-${tag}`;
const B = `er-b-${tag}`;
const ids = {
  offers: `er-offers-${tag}`,
  news: `er-news-${tag}`,
  orders: `er-orders-${tag}`,
  trackA: `er-track-a-${tag}`,
  promo: `er-promo-${tag}`,
  trackB: `er-track-b-${tag}`,
};
const BRAND_NUMBER = '+14255550142';
const PROMO_GUID = randomUUID();

let host: RunningHost;
let api: BoundedClient;

beforeAll(async () => {
  host = await startHost({
    AzureWebJobsStorage: inject('storageConnection'),
    LOCAL_FUNCTION_KEY: KEY,
    CONSENT_TABLE_PREFIX: PREFIX,
    PROFILE_CACHE_SECONDS: '0',
    CHANGE_FEED_SETTLE_SECONDS: '2',
  });
  api = boundedClient(host.url, KEY);
  const profiles = await Promise.all([
    api.put(`/api/profiles/${A}`, {
      name: 'Erasure A',
      smsNumbers: [BRAND_NUMBER],
      purposes: [
        {
          id: ids.offers,
          name: 'Offers',
          type: 'commercial',
          enforcement: 'nonRestrictive',
          topics: [{ id: ids.news, name: 'News' }],
        },
        { id: ids.orders, name: 'Orders', type: 'transactional', enforcement: 'nonRestrictive' },
        { id: ids.trackA, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
      ],
    }),
    api.put(`/api/profiles/${B}`, {
      name: 'Erasure B',
      purposes: [
        {
          id: ids.promo,
          name: 'Promo',
          type: 'commercial',
          enforcement: 'nonRestrictive',
          dataverseId: PROMO_GUID,
        },
        { id: ids.trackB, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
      ],
    }),
  ]);
  for (const p of profiles) expect(p.status, p.text).toBe(201);
});

afterAll(async () => {
  await host?.stop();
});

const upsert = (records: object[], actor = 'crm') =>
  api.post('/api/consents', { records }, { 'x-consent-actor': actor });
const rec = (contactPoint: string, purposeId: string, value: string, extra: object = {}) => ({
  channel: 'email',
  contactPoint,
  purposeId,
  value,
  ...extra,
});
const erase = (contactPoints: string[], reason?: string, channel = 'email') =>
  api.post(
    '/api/subjects/erase',
    {
      contactPoints: contactPoints.map((contactPoint) => ({ channel, contactPoint })),
      ...(reason ? { reason } : {}),
    },
    { 'x-consent-actor': 'dpo' },
  );

async function consents(contactPoint: string, channel = 'email') {
  const res = await api.get(`/api/consents${qs({ channel, contactPoint })}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { records: any[]; erased?: boolean; erasedAt?: string };
}

const valuesOf = async (contactPoint: string, channel = 'email') =>
  Object.fromEntries(
    (await consents(contactPoint, channel)).records.map((r) => [r.topicId ?? r.purposeId, r.value]),
  );

async function decide(contactPoint: string, profileId: string, purposeId: string, topicId?: string) {
  const res = await api.post('/api/check', {
    messages: [
      {
        messageId: 'm',
        channel: 'email',
        contactPoint,
        profileId,
        purposeId,
        ...(topicId ? { topicId } : {}),
      },
    ],
  });
  expect(res.status, res.text).toBe(200);
  return res.body.decisions[0];
}

/** A contact point with records in both profiles, a history and a pending double opt-in. */
async function person(label: string) {
  const email = uniqueEmail(label);
  const secret = `private-note-${label}-${tag}`;
  const first = await upsert([
    rec(email, ids.offers, 'optedIn', { reasonDescription: secret }),
    rec(email, ids.offers, 'optedOut', { topicId: ids.news }),
    rec(email, ids.trackA, 'optedIn'),
    rec(email, ids.promo, 'optedIn'),
  ]);
  expect(first.status, first.text).toBe(200);
  const second = await upsert([rec(email, ids.offers, 'optedOut', { reasonDescription: secret })]);
  expect(second.body.results[0].outcome).toBe('updated');
  const pending = await api.post('/api/consents/confirmations', {
    channel: 'email',
    contactPoint: email,
    profileId: B,
    purposeId: ids.promo,
    source: 'form',
  });
  expect(pending.status, pending.text).toBe(202);
  return { email, secret };
}

describe('23.1 export: everything held, machine-readable, audited by keyed digest', () => {
  it('records, every history entry newest first, pending confirmations; the audit names no address', async () => {
    const { email } = await person('export');
    const since = new Date(Date.now() - 1000).toISOString();
    const res = await api.post(
      '/api/subjects/export',
      { contactPoints: [{ channel: 'email', contactPoint: email.toUpperCase() }] },
      { 'x-consent-actor': 'dpo-export' },
    );
    expect(res.status, res.text).toBe(200);
    expect(Date.parse(res.body.exportedAt)).toBeGreaterThan(0);
    const [held] = res.body.contactPoints;
    expect(held).toMatchObject({ channel: 'email', contactPoint: email, erased: false, suppressions: [] });
    expect(held.records.map((r: any) => `${r.topicId ?? r.purposeId}:${r.value}`).sort()).toEqual(
      [
        `${ids.offers}:optedOut`,
        `${ids.news}:optedOut`,
        `${ids.trackA}:optedIn`,
        `${ids.promo}:optedIn`,
      ].sort(),
    );
    expect(held.history).toHaveLength(5);
    expect(held.history[0]).toMatchObject({ purposeId: ids.offers, after: { value: 'optedOut' } });
    expect(held.history[4].before).toBeNull();
    expect(held.pendingConfirmations).toEqual([
      expect.objectContaining({ profileId: B, purposeId: ids.promo, source: 'form' }),
    ]);

    const audit = await api.get(`/api/subjects/audit${qs({ since })}`);
    expect(audit.status, audit.text).toBe(200);
    const mine = audit.body.entries.filter((e: any) => e.subject === subjectOf('email', email));
    expect(mine).toEqual([
      expect.objectContaining({ type: 'export', channel: 'email', actor: 'dpo-export' }),
    ]);
    expect(audit.text).not.toContain(email);
  });

  it('refuses a bad address naming its index, more than 50, and unknown fields; nothing is audited', async () => {
    const bad = await api.post('/api/subjects/export', {
      contactPoints: [
        { channel: 'email', contactPoint: uniqueEmail('ok') },
        { channel: 'email', contactPoint: 'not an address' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      expect.objectContaining({ index: 1, path: 'contactPoints[1].contactPoint' }),
    ]);
    const many = Array.from({ length: 51 }, () => ({ channel: 'email', contactPoint: uniqueEmail('m') }));
    expect((await api.post('/api/subjects/export', { contactPoints: many })).status).toBe(400);
    expect((await api.post('/api/subjects/erase', { contactPoints: many })).status).toBe(400);
    const unknown = await api.post('/api/subjects/erase', {
      contactPoints: [{ channel: 'email', contactPoint: uniqueEmail('u') }],
      everything: true,
    });
    expect(unknown.status).toBe(400);
  });
});

describe('23.2 erasure leaves nothing of the address in any table but a keyed tombstone', () => {
  it('no address, local part, unkeyed digest or content anywhere; a never-seen address gets a tombstone too', async () => {
    const { email, secret } = await person('gone');
    const never = uniqueEmail('never-seen');
    const res = await erase([email, never], `DSR-${tag}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.results).toEqual([
      { index: 0, outcome: 'erased' },
      { index: 1, outcome: 'notFound' },
    ]);
    const tables = await rawTableText(inject('storageConnection'), PREFIX);
    expect(tables.length).toBeGreaterThan(10);
    for (const needle of [...traces('email', email), ...traces('email', never), secret]) {
      const found = tables.filter((t) => t.includes(needle));
      expect(found, `"${needle}" is still stored`).toEqual([]);
    }
    // Erasing again changes nothing and says so.
    expect((await erase([email])).body.results).toEqual([{ index: 0, outcome: 'erased' }]);
    // The never-seen address is blocked all the same.
    expect((await decide(never, A, ids.offers)).reasons).toEqual(['erased']);
  });
});

describe('23.3 after erasure every read answers as for an unknown address, and the tombstone blocks', () => {
  let email: string;
  let recordId: string;
  let erasedAt: string;

  beforeAll(async () => {
    ({ email } = await person('after'));
    recordId = (await consents(email)).records.find((r) => r.purposeId === ids.promo).id;
    const res = await erase([email], `DSR-after-${tag}`);
    expect(res.body.results).toEqual([{ index: 0, outcome: 'erased' }]);
    erasedAt = (await consents(email)).erasedAt!;
  });

  it('records and history are empty, with erased and erasedAt; the Dataverse row is 404; the list leaves it out', async () => {
    const read = await consents(email);
    expect(read).toMatchObject({ records: [], erased: true });
    expect(Date.parse(erasedAt)).toBeLessThanOrEqual(Date.now());
    const history = await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint: email })}`);
    expect(history.body).toEqual({ entries: [] });
    const row = await api.get(`/api/data/v9.2/msdynmkt_contactpointconsent4s(${recordId})`);
    expect(row.status).toBe(404);
    const list = await api.get(`/api/consents/list${qs({ purposeId: ids.promo, limit: 1000 })}`);
    expect(list.status, list.text).toBe(200);
    expect(list.text).not.toContain(email);
  });

  it('blocks every commercial purpose and topic of every profile with `erased`, tracks nothing, and transactional follows notSet', async () => {
    for (const [profile, purpose, topic] of [
      [A, ids.offers, undefined],
      [A, ids.offers, ids.news],
      [B, ids.promo, undefined],
    ] as const) {
      const decision = await decide(email, profile, purpose, topic);
      expect(decision).toMatchObject({ decision: 'blocked', reasons: ['erased'], tracked: false });
      expect(decision.trackingReasons).toContain('tracking-erased');
    }
    const orders = await decide(email, A, ids.orders);
    expect(orders).toMatchObject({
      decision: 'sent',
      reasons: [],
      tracked: false,
      trackingReasons: ['tracking-erased'],
    });
    const view = await api.get(
      `/api/contactability${qs({ channel: 'email', contactPoint: email, profileId: A })}`,
    );
    expect(view.body.purposes.find((p: any) => p.purposeId === ids.offers)).toMatchObject({
      willSend: false,
      reasons: ['erased'],
    });
    const contact = await api.post('/api/contact-view', {
      contactPoints: [{ channel: 'email', contactPoint: email }],
    });
    expect(contact.body.contactPoints[0].erased).toEqual({ at: erasedAt, actor: 'dpo' });
  });

  it('the feed serves one `erased` change with the keyed digest and no longer serves the earlier changes', async () => {
    const subject = subjectOf('email', email);
    const changes: any[] = [];
    let cursor: string | undefined;
    const deadline = Date.now() + 30_000;
    while (!changes.some((c) => c.type === 'erased' && c.subject === subject)) {
      expect(Date.now(), 'the erasure reached the feed in time').toBeLessThan(deadline);
      const res = await api.get(`/api/consents/changes${qs({ cursor, limit: 1000 })}`);
      expect(res.status, res.text).toBe(200);
      changes.push(...res.body.changes);
      cursor = res.body.cursor;
    }
    expect(changes.filter((c) => c.subject === subject)).toEqual([
      { type: 'erased', at: erasedAt, actor: 'dpo', channel: 'email', subject },
    ]);
    expect(changes.filter((c) => c.contactPoint === email)).toEqual([]);
  });

  it('the audit lists the erasure with its reason, never the address', async () => {
    const audit = await api.get(`/api/subjects/audit${qs({ since: erasedAt })}`);
    const mine = audit.body.entries.filter((e: any) => e.subject === subjectOf('email', email));
    expect(mine).toEqual([
      expect.objectContaining({ type: 'erasure', at: erasedAt, actor: 'dpo', reason: `DSR-after-${tag}` }),
    ]);
    expect(audit.text).not.toContain(email);
  });
});

describe('23.4 only the person re-subscribes an erased address', () => {
  it('a load, a sync, an old capture time, notSet and a Dataverse create are suppressed; opt-outs are accepted', async () => {
    const email = uniqueEmail('resub');
    await upsert([rec(email, ids.offers, 'optedIn')]);
    const before = new Date().toISOString();
    expect((await erase([email])).body.results[0].outcome).toBe('erased');

    const load = await api.post('/api/consents/load', {
      profileId: A,
      purposeId: ids.offers,
      from: 'contacts',
      members: [{ email }],
    });
    expect(load.status, load.text).toBe(200);
    expect(load.body).toEqual({
      consent: { created: 0, updated: 0, unchanged: 0, suppressed: 1 },
      tracking: { created: 0, updated: 0, unchanged: 0, suppressed: 1 },
    });
    const refused = await upsert([
      rec(email, ids.offers, 'optedIn'),
      rec(email, ids.promo, 'optedIn', { source: 'form', capturedAt: before }),
      rec(email, ids.offers, 'notSet', { topicId: ids.news }),
      rec(email, ids.promo, 'optedIn', { source: 'loaded' }),
    ]);
    expect(refused.body.results.map((r: any) => r.outcome)).toEqual([
      'suppressed',
      'suppressed',
      'suppressed',
      'suppressed',
    ]);
    expect(refused.body.results.every((r: any) => r.record === undefined)).toBe(true);
    const dataverse = await api.post('/api/data/v9.2/msdynmkt_contactpointconsent4s', {
      msdynmkt_contactpointvalue: email,
      msdynmkt_contactpointtype: 534120000,
      msdynmkt_value: 534120001,
      'msdynmkt_purposeId@odata.bind': `/msdynmkt_purposes(${PROMO_GUID})`,
    });
    expect(dataverse.status, dataverse.text).toBe(409);
    expect(await valuesOf(email)).toEqual({});
    expect((await consents(email)).erased).toBe(true);

    const optOut = await upsert([rec(email, ids.orders, 'optedOut')]);
    expect(optOut.body.results[0].outcome).toBe('created');
    expect((await decide(email, A, ids.orders)).reasons).toEqual(['purpose-opted-out']);
    expect((await decide(email, A, ids.offers)).reasons).toEqual(['erased']);
  });

  it("a Dataverse PATCH re-granting the person's own post-erasure opt-out is suppressed, not passed off as theirs", async () => {
    const email = uniqueEmail('patch-resub');
    await upsert([rec(email, ids.offers, 'optedIn')]);
    await erase([email]);
    const optOut = await upsert([rec(email, ids.offers, 'optedOut', { source: 'form' })]);
    expect(optOut.body.results[0].outcome).toBe('created');
    const id = optOut.body.results[0].record.id;
    const patched = await api.send({
      method: 'PATCH',
      path: `/api/data/v9.2/msdynmkt_contactpointconsent4s(${id})`,
      body: { msdynmkt_value: 534120001 },
    });
    expect(patched.status, patched.text).toBe(409);
    expect(await valuesOf(email)).toEqual({ [ids.offers]: 'optedOut' });
    expect((await decide(email, A, ids.offers)).reasons).toEqual(['purpose-opted-out', 'erased']);
  });

  it("an opt-in the person gives after the erasure lifts it for that purpose only; the person's own record then follows the usual rules", async () => {
    const email = uniqueEmail('lift');
    await upsert([rec(email, ids.offers, 'optedIn'), rec(email, ids.promo, 'optedIn')]);
    await erase([email]);
    const form = await upsert([rec(email, ids.offers, 'optedIn', { source: 'form' })]);
    expect(form.body.results[0].outcome).toBe('created');
    expect(await decide(email, A, ids.offers)).toMatchObject({ decision: 'sent' });
    expect(await decide(email, A, ids.offers, ids.news)).toMatchObject({ decision: 'sent' });
    expect((await decide(email, B, ids.promo)).reasons).toEqual(['erased']);
    // A later sync of the record the person gave: theirs again.
    const sync = await upsert([rec(email, ids.offers, 'optedIn', { reasonDescription: 'crm' })]);
    expect(sync.body.results[0].outcome).toBe('updated');
    // Still erased for everything else.
    expect((await upsert([rec(email, ids.promo, 'optedIn')])).body.results[0].outcome).toBe('suppressed');
    expect((await consents(email)).erased).toBe(true);
  });

  it('a double opt-in confirmed after the erasure lifts it', async () => {
    const email = uniqueEmail('doi');
    await upsert([rec(email, ids.promo, 'optedIn')]);
    await erase([email]);
    const requested = await api.post('/api/consents/confirmations', {
      channel: 'email',
      contactPoint: email,
      profileId: B,
      purposeId: ids.promo,
      source: 'form',
    });
    expect(requested.status, requested.text).toBe(202);
    expect((await decide(email, B, ids.promo)).reasons).toEqual(['erased']);
    const confirmed = await fetch(requested.body.confirmUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'confirm=yes',
    });
    expect(confirmed.status).toBe(200);
    expect(await valuesOf(email)).toEqual({ [ids.promo]: 'optedIn' });
    expect(await decide(email, B, ids.promo)).toMatchObject({ decision: 'sent' });
  });

  it('the preference page shows nothing subscribed, and what the person ticks there lifts it', async () => {
    const email = uniqueEmail('page');
    await upsert([rec(email, ids.offers, 'optedIn'), rec(email, ids.trackA, 'optedIn')]);
    await erase([email]);
    const links = await api.post('/api/links', {
      links: [{ channel: 'email', contactPoint: email, profileId: A, purposeId: ids.offers }],
    });
    const url = links.body.links[0].preferencesUrl as string;
    const page = await (await fetch(url)).text();
    expect(page).not.toMatch(new RegExp(`name="purpose:${ids.offers}" value="on" checked`));
    expect(page).not.toMatch(/name="tracking" value="on" checked/);
    const shown = /name="shown" value="([^"]*)"/.exec(page)![1]!;
    // The form as shown (transactional messages follow notSet, so they are ticked), with offers ticked.
    const ticked = [...page.matchAll(/name="([^"]+)" value="on" checked/g)].map((m) => [m[1]!, 'on']);
    expect(ticked).toEqual([[`purpose:${ids.orders}`, 'on']]);
    const saved = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams({ shown, ...Object.fromEntries(ticked), [`purpose:${ids.offers}`]: 'on' }),
      redirect: 'manual',
    });
    expect([200, 303]).toContain(saved.status);
    expect(await valuesOf(email)).toEqual({ [ids.offers]: 'optedIn' });
    expect(await decide(email, A, ids.offers)).toMatchObject({ decision: 'sent', tracked: false });
  });

  it('a text START after the erasure lifts it; the START sent before, delivered again, does not', async () => {
    const phone = `+1206557${String(Date.now() % 10000).padStart(4, '0')}`;
    const acs = (id: string, message: string, eventTime: string) =>
      api.post('/api/sms/acs', [
        {
          id,
          topic:
            '/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs',
          subject: `/phonenumber/${BRAND_NUMBER.slice(1)}`,
          eventType: 'Microsoft.Communication.SMSReceived',
          eventTime,
          dataVersion: '1.0',
          metadataVersion: '1',
          data: {
            messageId: `m-${id}`,
            from: phone,
            to: BRAND_NUMBER,
            message,
            receivedTimestamp: eventTime,
          },
        },
      ]);
    const start = `start-${tag}`;
    const startedAt = new Date().toISOString();
    expect((await acs(start, 'START', startedAt)).status).toBe(200);
    expect(await valuesOf(phone, 'sms')).toEqual({ [ids.offers]: 'optedIn', [ids.orders]: 'optedIn' });
    expect((await erase([phone], undefined, 'sms')).body.results[0].outcome).toBe('erased');
    // The same event again, and a new event bearing the old time: neither re-subscribes.
    expect((await acs(start, 'START', startedAt)).status).toBe(200);
    expect((await acs(`late-${tag}`, 'START', startedAt)).status).toBe(200);
    expect(await valuesOf(phone, 'sms')).toEqual({});
    expect((await acs(`again-${tag}`, 'START', new Date().toISOString())).status).toBe(200);
    expect(await valuesOf(phone, 'sms')).toEqual({ [ids.offers]: 'optedIn', [ids.orders]: 'optedIn' });
  });
});

describe('23.5 erasure under concurrent writers', () => {
  it('writes racing an erasure either landed before it (and are erased) or after it (suppressed, or opt-outs)', async () => {
    const email = uniqueEmail('race');
    await upsert([rec(email, ids.offers, 'optedIn'), rec(email, ids.promo, 'optedIn')]);
    const writes = Array.from({ length: 24 }, (_, i) =>
      upsert([
        rec(email, [ids.offers, ids.promo, ids.orders][i % 3]!, i % 4 === 0 ? 'optedOut' : 'optedIn', {
          reasonDescription: `w${i}`,
        }),
      ]),
    );
    const [erased, ...results] = await Promise.all([erase([email]), ...writes]);
    expect(erased.body.results[0].outcome).toBe('erased');
    for (const r of results) expect(r.status, r.text).toBe(200);
    const outcomes = results.map((r) => r.body.results[0].outcome);
    expect(
      outcomes.every((o: string) => ['created', 'updated', 'unchanged', 'stale', 'suppressed'].includes(o)),
    ).toBe(true);
    // Whatever is stored now was written after the erasure: opt-outs only.
    const after = await consents(email);
    expect(after.erased, JSON.stringify({ after, outcomes, erased: erased.body })).toBe(true);
    expect(
      after.records.filter((r) => r.value !== 'optedOut'),
      JSON.stringify(outcomes),
    ).toEqual([]);
    const history = await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint: email })}`);
    expect(history.body.entries.every((e: any) => e.after.value === 'optedOut')).toBe(true);
    expect(history.body.entries).toHaveLength(after.records.length);
  });

  it('two erasures of one address at once: both answer erased, one erasure is audited', async () => {
    const { email } = await person('twice');
    const since = new Date(Date.now() - 1000).toISOString();
    const both = await Promise.all([erase([email]), erase([email, email.toUpperCase()])]);
    expect(both[0].body.results).toEqual([{ index: 0, outcome: 'erased' }]);
    expect(both[1].body.results).toEqual([
      { index: 0, outcome: 'erased' },
      { index: 1, outcome: 'erased' },
    ]);
    const audit = await api.get(`/api/subjects/audit${qs({ since })}`);
    const mine = audit.body.entries.filter(
      (e: any) => e.subject === subjectOf('email', email) && e.type === 'erasure',
    );
    expect(mine).toHaveLength(1);
    const tables = await rawTableText(inject('storageConnection'), PREFIX);
    for (const needle of traces('email', email)) expect(tables.filter((t) => t.includes(needle))).toEqual([]);
  });
});

describe('23.8 the subject key', () => {
  it('a host given another SUBJECT_KEY than the store was written with answers 503 and writes nothing', async () => {
    const other = await startHost({
      AzureWebJobsStorage: inject('storageConnection'),
      LOCAL_FUNCTION_KEY: KEY,
      CONSENT_TABLE_PREFIX: PREFIX,
      SUBJECT_KEY: 'another-subject-key-0123456789-0123456789',
    });
    try {
      const client = boundedClient(other.url, KEY);
      const email = uniqueEmail('wrong-key');
      const check = await client.post('/api/check', {
        messages: [
          { messageId: 'm', channel: 'email', contactPoint: email, profileId: A, purposeId: ids.offers },
        ],
      });
      expect(check.status).toBe(503);
      expect(check.body.detail).toContain('SUBJECT_KEY');
      expect((await client.post('/api/consents', rec(email, ids.offers, 'optedIn'))).status).toBe(503);
      expect(await valuesOf(email)).toEqual({});
    } finally {
      await other.stop();
    }
  });
});
