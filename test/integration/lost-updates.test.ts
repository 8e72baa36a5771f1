/*
 * No lost updates: every write based on what someone saw carries what they saw, so an opt-out that
 * arrived in between stays. The preference page, Dataverse PATCH (through the DynamicsWebApi
 * client), the consent center's ifVersion and the centers' `shown`, each raced with a real opt-out.
 */
import { DynamicsWebApi } from 'dynamics-web-api';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { purposeGuid } from '../../shared/dataverse/entities';
import { recordId } from '../../shared/storage/record-ids';
import { apiClient, qs, uniqueEmail } from '../support/client';

const api = apiClient();
const tag = `${process.pid}${Date.now().toString(36)}`;
const PROFILE = `lu-${tag}`;
const ids = {
  offers: `lu-offers-${tag}`,
  news: `lu-news-${tag}`,
  deals: `lu-deals-${tag}`,
  strict: `lu-strict-${tag}`,
  account: `lu-account-${tag}`,
  tracking: `lu-tracking-${tag}`,
};

/** The client Dataverse integrations are written with, pointed at this service. */
const dataverse = new DynamicsWebApi({
  serverUrl: `${inject('hostUrl')}/`,
  dataApi: { version: '9.2' },
  headers: { 'x-functions-key': inject('functionKey') },
  // Refusals (412, 404) as errors, instead of the legacy null / false of update and upsert.
  propagateErrors: true,
});
const ROWS = 'msdynmkt_contactpointconsent4s';

beforeAll(async () => {
  const res = await api.put(`/api/profiles/${PROFILE}`, {
    name: 'Lost updates',
    companyAddress: '1 Main St',
    purposes: [
      {
        id: ids.offers,
        name: 'LU Offers',
        type: 'commercial',
        enforcement: 'nonRestrictive',
        topics: [
          { id: ids.news, name: 'LU News' },
          { id: ids.deals, name: 'LU Deals' },
        ],
      },
      { id: ids.strict, name: 'LU Strict', type: 'commercial', enforcement: 'restrictive' },
      { id: ids.account, name: 'LU Account', type: 'transactional', enforcement: 'nonRestrictive' },
      { id: ids.tracking, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
});

async function values(contactPoint: string, channel = 'email'): Promise<Record<string, string>> {
  const res = await api.get(`/api/consents${qs({ channel, contactPoint })}`);
  expect(res.status).toBe(200);
  return Object.fromEntries(
    (res.body.records as any[]).map((r) => [r.topicId ?? r.purposeId, r.value as string]),
  );
}

async function recordOf(contactPoint: string, key: string, channel = 'email') {
  const res = await api.get(`/api/consents${qs({ channel, contactPoint })}`);
  return (res.body.records as any[]).find((r) => (r.topicId ?? r.purposeId) === key);
}

async function decide(contactPoint: string, purposeId: string, channel = 'email') {
  const res = await api.post('/api/check', {
    messages: [{ messageId: 'm', channel, contactPoint, profileId: PROFILE, purposeId }],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.decisions[0];
}

const write = (contactPoint: string, purposeId: string, value: string, extra: object = {}) =>
  api.post('/api/consents', { channel: 'email', contactPoint, purposeId, value, ...extra });

describe('20.1 the preference page writes only what the person changed from what it showed', () => {
  const shownOf = (page: string) => /name="shown" value="([^"]*)"/.exec(page)![1]!;
  const allTicked = () => ({
    [`purpose:${ids.offers}`]: 'on',
    [`topic:${ids.news}`]: 'on',
    [`topic:${ids.deals}`]: 'on',
    [`purpose:${ids.account}`]: 'on',
    tracking: 'on',
  });

  async function linkFor(email: string) {
    const res = await api.post('/api/links', {
      links: [{ channel: 'email', contactPoint: email, profileId: PROFILE, purposeId: ids.offers }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.links[0] as { unsubscribeUrl: string; preferencesUrl: string };
  }

  const post = (url: string, form: Record<string, string>) =>
    fetch(url, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });

  it('a one-click unsubscribe made after the page was loaded stays when its form is saved', async () => {
    const email = uniqueEmail('pp-oneclick');
    const link = await linkFor(email);
    const page = await (await fetch(link.preferencesUrl)).text();
    expect(page).toMatch(new RegExp(`name="purpose:${ids.offers}" value="on" checked`));
    const unsubscribed = await fetch(link.unsubscribeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribed.status).toBe(200);
    // The form as it was loaded, with one topic unticked.
    const { [`topic:${ids.deals}`]: _deals, ...form } = allTicked();
    const saved = await post(link.preferencesUrl, { shown: shownOf(page), ...form });
    expect(saved.status).toBe(200);
    expect(await values(email)).toEqual({ [ids.offers]: 'optedOut', [ids.deals]: 'optedOut' });
    expect((await decide(email, ids.offers)).reasons).toEqual(['purpose-opted-out']);
  });

  it('two open copies of the page each change only their own choice', async () => {
    const email = uniqueEmail('pp-tabs');
    const link = await linkFor(email);
    const [first, second] = await Promise.all([
      fetch(link.preferencesUrl).then((r) => r.text()),
      fetch(link.preferencesUrl).then((r) => r.text()),
    ]);
    const { [`topic:${ids.news}`]: _news, ...withoutNews } = allTicked();
    const { [`topic:${ids.deals}`]: _deals, ...withoutDeals } = allTicked();
    expect((await post(link.preferencesUrl, { shown: shownOf(first), ...withoutNews })).status).toBe(200);
    expect((await post(link.preferencesUrl, { shown: shownOf(second), ...withoutDeals })).status).toBe(200);
    expect(await values(email)).toEqual({ [ids.news]: 'optedOut', [ids.deals]: 'optedOut' });
  });

  it('a form without what its page showed, or with what another page showed, writes nothing (409, the page again)', async () => {
    const email = uniqueEmail('pp-forged');
    const other = uniqueEmail('pp-other');
    const link = await linkFor(email);
    const otherPage = await (await fetch((await linkFor(other)).preferencesUrl)).text();
    const page = await (await fetch(link.preferencesUrl)).text();
    const shown = shownOf(page);
    const tampered = shown.replace(/\.([^.]*)\./, (_, p: string) => `.${p.slice(0, -2)}AA.`);
    for (const form of [
      {} as Record<string, string>,
      { shown: '' },
      { shown: shownOf(otherPage) },
      { shown: tampered },
      { shown: `${shown}x` },
    ]) {
      const res = await post(link.preferencesUrl, form);
      expect(res.status, JSON.stringify(form)).toBe(409);
      const text = await res.text();
      expect(text).toContain('Nothing was saved');
      // The page is shown again, fresh, with what it shows now.
      expect(shownOf(text)).not.toBe('');
    }
    expect(await values(email)).toEqual({});
  });
});

describe('20.2 a Dataverse PATCH naming some columns keeps the others as they are when it commits', () => {
  it('a PATCH of msdynmkt_reason racing a text STOP never writes back the value it read (40 pairs)', async () => {
    const numbers = Array.from({ length: 40 }, (_, i) => `+1206555${String(7000 + i)}`.slice(0, 12));
    const seed = await api.post('/api/consents', {
      records: numbers.map((n) => ({
        channel: 'sms',
        contactPoint: n,
        purposeId: 'commercial',
        value: 'optedIn',
        source: 'form',
      })),
    });
    expect(seed.status, JSON.stringify(seed.body)).toBe(200);
    const stop = (from: string) =>
      api.post('/api/sms/acs', [
        {
          id: `race-${tag}-${from}`,
          subject: '/phonenumber/18885550100',
          eventType: 'Microsoft.Communication.SMSReceived',
          eventTime: new Date().toISOString(),
          dataVersion: '1.0',
          data: { from, to: '+18885550100', message: 'STOP' },
        },
      ]);
    await Promise.all(
      seed.body.results.map(async (result: any, i: number) => {
        const [patched, stopped] = await Promise.all([
          dataverse.update({
            collection: ROWS,
            key: result.record.id,
            data: { msdynmkt_reason: `crm note ${i}` },
          }),
          stop(numbers[i]!),
        ]);
        expect(patched).toBe(true);
        expect(stopped.status).toBe(200);
      }),
    );
    const lost = [];
    for (const number of numbers) {
      if ((await values(number, 'sms')).commercial !== 'optedOut') lost.push(number);
    }
    expect(lost).toEqual([]);
  });
});

describe('20.3 editing metadata never re-grants an expired opt-in', () => {
  it('a PATCH that only deactivates an expired opt-in, or only edits its reason, leaves it expired', async () => {
    const email = uniqueEmail('dv-expired');
    const past = '2026-01-01T00:00:00.000Z';
    const created = await write(email, ids.strict, 'optedIn', {
      capturedAt: '2025-12-01T00:00:00Z',
      expiresAt: past,
    });
    expect(created.status).toBe(200);
    const id = created.body.results[0].record.id;
    expect((await decide(email, ids.strict)).reasons).toEqual(['purpose-opt-in-expired']);

    expect(await dataverse.update({ collection: ROWS, key: id, data: { statecode: 1, statuscode: 2 } })).toBe(
      true,
    );
    expect((await decide(email, ids.strict)).reasons).toEqual(['purpose-opt-in-expired']);
    expect(await dataverse.update({ collection: ROWS, key: id, data: { msdynmkt_reason: 'edited' } })).toBe(
      true,
    );
    expect((await decide(email, ids.strict)).reasons).toEqual(['purpose-opt-in-expired']);
    const record = await recordOf(email, ids.strict);
    expect(record).toMatchObject({
      value: 'optedIn',
      status: 'inactive',
      reasonDescription: 'edited',
      expiresAt: past,
    });
  });
});

describe('20.4 ifVersion: an edit based on an older read is refused, outcome conflict', () => {
  it('an admin editing a description after the person opted out does not opt them back in', async () => {
    const email = uniqueEmail('admin-edit');
    const first = await write(email, ids.offers, 'optedIn', { source: 'form' });
    const shown = first.body.results[0].record;
    // The person opts out while the admin's editor is open.
    const optOut = await write(email, ids.offers, 'optedOut', { source: 'preferencePage' });
    expect(optOut.body.results[0].outcome).toBe('updated');
    // The editor posts the value it showed, with the description changed and what it showed.
    const edit = await write(email, ids.offers, 'optedIn', {
      source: 'form',
      reasonDescription: 'typo fixed',
      ifVersion: shown.version,
    });
    expect(edit.status).toBe(200);
    expect(edit.body.results[0]).toMatchObject({
      index: 0,
      outcome: 'conflict',
      record: { value: 'optedOut' },
    });
    expect(await values(email)).toEqual({ [ids.offers]: 'optedOut' });
    // Based on what is stored now, the edit goes through.
    const again = await write(email, ids.offers, 'optedOut', {
      reasonDescription: 'typo fixed',
      ifVersion: edit.body.results[0].record.version,
    });
    expect(again.body.results[0]).toMatchObject({
      outcome: 'updated',
      record: { reasonDescription: 'typo fixed' },
    });
  });

  it('ifVersion null writes only where no record is stored; other records of the request still apply', async () => {
    const email = uniqueEmail('admin-add');
    const res = await api.post('/api/consents', {
      records: [
        { channel: 'email', contactPoint: email, purposeId: ids.offers, value: 'optedOut', ifVersion: null },
        { channel: 'email', contactPoint: email, purposeId: ids.account, value: 'optedIn', ifVersion: null },
      ],
    });
    expect(res.body.results.map((r: any) => r.outcome)).toEqual(['created', 'created']);
    const again = await api.post('/api/consents', {
      records: [
        { channel: 'email', contactPoint: email, purposeId: ids.offers, value: 'optedIn', ifVersion: null },
        { channel: 'email', contactPoint: email, purposeId: ids.offers, topicId: ids.news, value: 'optedIn' },
        {
          channel: 'email',
          contactPoint: email,
          purposeId: ids.account,
          value: 'optedOut',
          ifVersion: 'nope',
        },
      ],
    });
    expect(again.body.results.map((r: any) => r.outcome)).toEqual(['conflict', 'created', 'conflict']);
    expect(await values(email)).toEqual({
      [ids.offers]: 'optedOut',
      [ids.news]: 'optedIn',
      [ids.account]: 'optedIn',
    });
  });
});

describe('20.13 Dataverse conditional writes, as DynamicsWebApi sends them', () => {
  async function row(email: string) {
    const created = await write(email, ids.offers, 'optedOut', { source: 'form' });
    return created.body.results[0].record.id as string;
  }

  it("upsert with ifnonematch '*' (create only) on an existing row: 412 and nothing changes", async () => {
    const email = uniqueEmail('dv-inm');
    const id = await row(email);
    const error = await dataverse
      .upsert({ collection: ROWS, key: id, ifnonematch: '*', data: { msdynmkt_value: 534120001 } })
      .then(
        () => undefined,
        (e: any) => e,
      );
    expect(error?.status).toBe(412);
    expect(await values(email)).toEqual({ [ids.offers]: 'optedOut' });
  });

  it("upsert with ifnonematch '*' creates a row that does not exist yet, once", async () => {
    const email = uniqueEmail('dv-inm-new');
    const id = recordId('email', email, ids.account);
    const purposes = await dataverse.retrieveMultiple({
      collection: 'msdynmkt_purposes',
      filter: `msdynmkt_name eq 'LU Account'`,
    });
    const account = purposes.value!.find(
      (p: any) => p.msdynmkt_purposeid === purposeGuid({ id: ids.account }),
    );
    const body = {
      msdynmkt_contactpointvalue: email,
      msdynmkt_contactpointtype: 534120000,
      msdynmkt_value: 534120002,
      'msdynmkt_purposeId@odata.bind': `/msdynmkt_purposes(${account.msdynmkt_purposeid})`,
    };
    // A body naming another record than the URL's id: no such row.
    const elsewhere = await dataverse
      .upsert({ collection: ROWS, key: recordId('email', email, ids.offers), ifnonematch: '*', data: body })
      .then(
        () => undefined,
        (e: any) => e,
      );
    expect(elsewhere?.status).toBe(404);
    await dataverse.upsert({ collection: ROWS, key: id, ifnonematch: '*', data: body });
    expect(await values(email)).toEqual({ [ids.account]: 'optedOut' });
    const again = await dataverse
      .upsert({ collection: ROWS, key: id, ifnonematch: '*', data: { ...body, msdynmkt_value: 534120001 } })
      .then(
        () => undefined,
        (e: any) => e,
      );
    expect(again?.status).toBe(412);
    expect(await values(email)).toEqual({ [ids.account]: 'optedOut' });
  });

  it("update with ifmatch '*' (update only) where no row is: 404", async () => {
    const email = uniqueEmail('dv-im');
    const id = await row(email);
    const absent = id.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const error = await dataverse
      .update({ collection: ROWS, key: absent, ifmatch: '*', data: { msdynmkt_reason: 'x' } })
      .then(
        () => undefined,
        (e: any) => e,
      );
    expect(error?.status).toBe(404);
    // A stale ETag is 412; the current one goes through.
    const current = await dataverse.retrieve({ collection: ROWS, key: id });
    await write(email, ids.offers, 'optedIn', { source: 'form' });
    const stale = await dataverse
      .update({ collection: ROWS, key: id, ifmatch: current['@odata.etag'], data: { msdynmkt_reason: 'x' } })
      .then(
        () => undefined,
        (e: any) => e,
      );
    expect(stale?.status).toBe(412);
    expect((await recordOf(email, ids.offers)).reasonDescription).toBeUndefined();
  });
});

describe('the centers carry what their form showed (shown)', () => {
  it('a subscription center submit changes only the flags the contact changed from the prefill', async () => {
    const email = uniqueEmail('sc-shown');
    const prefill = await api.get(
      `/api/subscription-center${qs({ profileId: PROFILE, contactPoints: email })}`,
    );
    // The restrictive purpose has no opt-in, so bulk email shows as blocked.
    expect(prefill.body).toEqual({ doNotEmail: false, doNotBulkEmail: true, doNotTrack: false });
    // Meanwhile the person unsubscribes from the offers.
    await write(email, ids.offers, 'optedOut', { source: 'listUnsubscribe' });
    // The contact changes only "do not track" on the form the prefill filled.
    const submit = await api.post('/api/subscription-center', {
      profileId: PROFILE,
      contactPoints: [email],
      ...prefill.body,
      doNotTrack: true,
      shown: prefill.body,
    });
    expect(submit.status, JSON.stringify(submit.body)).toBe(200);
    expect(await values(email)).toEqual({ [ids.offers]: 'optedOut', [ids.tracking]: 'optedOut' });
  });

  it('a preference center submit skips the choices left as shown, answering them unchanged in place', async () => {
    const email = uniqueEmail('pc-shown');
    const query = qs({ profileId: PROFILE, channel: 'email', contactPoint: email, audience: 'lead' });
    const prefill = await api.get(`/api/preference-center${query}`);
    const offers = prefill.body.purposes.find((p: any) => p.purposeId === ids.offers);
    expect(offers.optedIn).toBe(true);
    await write(email, ids.offers, 'optedOut', { source: 'listUnsubscribe' });
    const submit = await api.post('/api/preference-center', {
      profileId: PROFILE,
      channel: 'email',
      contactPoint: email,
      choices: [
        { purposeId: ids.offers, value: 'optedIn', shown: true },
        { purposeId: ids.offers, topicId: ids.news, value: 'optedOut', shown: true },
      ],
    });
    expect(submit.status, JSON.stringify(submit.body)).toBe(200);
    expect(submit.body.results.map((r: any) => [r.index, r.outcome])).toEqual([
      [0, 'unchanged'],
      [1, 'created'],
    ]);
    expect(await values(email)).toEqual({ [ids.offers]: 'optedOut', [ids.news]: 'optedOut' });
  });
});
