/*
 * An opt-out is never refused for its metadata, an unknown flag is never read as "allows", links
 * promise only what an opt-out does, and Dataverse collections page as clients expect.
 */
import { DynamicsWebApi } from 'dynamics-web-api';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, qs, uniqueEmail } from '../support/client';

const api = apiClient();
const tag = `${process.pid}${Date.now().toString(36)}`;
const PROFILE = `rf-${tag}`;
const ids = {
  offers: `rf-offers-${tag}`,
  news: `rf-news-${tag}`,
  deals: `rf-deals-${tag}`,
  notices: `rf-notices-${tag}`,
  tracking: `rf-tracking-${tag}`,
};

function profileBody(offersOnEmail: string) {
  return {
    name: 'Refusals',
    companyAddress: '1 Main St',
    purposes: [
      {
        id: ids.offers,
        name: 'RF Offers',
        type: 'commercial',
        enforcement: {
          email: offersOnEmail,
          sms: 'restrictive',
          voice: 'restrictive',
          custom: 'restrictive',
        },
        topics: [
          { id: ids.news, name: 'RF News' },
          { id: ids.deals, name: 'RF Deals' },
        ],
      },
      { id: ids.notices, name: 'RF Notices', type: 'commercial', enforcement: 'disabled' },
      { id: ids.tracking, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  };
}

beforeAll(async () => {
  const res = await api.put(`/api/profiles/${PROFILE}`, profileBody('nonRestrictive'));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
});

async function decide(contactPoint: string, extra: Record<string, unknown> = {}) {
  const res = await api.post('/api/check', {
    messages: [
      { messageId: 'm', channel: 'email', contactPoint, profileId: PROFILE, purposeId: ids.offers, ...extra },
    ],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.decisions[0];
}

async function stored(contactPoint: string) {
  return (await api.get(`/api/consents${qs({ channel: 'email', contactPoint })}`)).body.records as any[];
}

const optOut = (contactPoint: string, extra: Record<string, unknown> = {}) => ({
  channel: 'email',
  contactPoint,
  purposeId: ids.offers,
  value: 'optedOut',
  ...extra,
});

describe('20.8 a capture time however far ahead counts as receipt time', () => {
  it('an opt-out captured in the year 9999 is applied, captured now', async () => {
    const email = uniqueEmail('far-future');
    const res = await api.post('/api/consents', optOut(email, { capturedAt: '9999-12-31T23:59:59Z' }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(Date.parse(res.body.results[0].record.capturedAt)).toBeLessThanOrEqual(Date.now());
    expect((await decide(email)).reasons).toEqual(['purpose-opted-out']);
  });

  it("a sync a year ahead never makes the person's own later opt-out stale", async () => {
    const email = uniqueEmail('year-ahead');
    const ahead = new Date(Date.now() + 365 * 86_400_000).toISOString();
    await api.post('/api/consents', { ...optOut(email, { capturedAt: ahead }), value: 'optedIn' });
    const own = await api.post('/api/consents', optOut(email, { source: 'preferencePage' }));
    expect(own.body.results[0].outcome).toBe('updated');
    expect((await decide(email)).reasons).toEqual(['purpose-opted-out']);
  });
});

describe('20.9 an opt-out is never refused for its metadata', () => {
  it('an opt-out carrying expiresAt is applied, the expiry ignored and said so', async () => {
    const email = uniqueEmail('opt-out-expiry');
    const res = await api.post('/api/consents', optOut(email, { expiresAt: '2027-01-01T00:00:00Z' }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results[0]).toMatchObject({
      outcome: 'created',
      ignored: [{ path: 'records[0].expiresAt', message: expect.stringContaining('never expire') }],
    });
    expect(res.body.results[0].record.expiresAt).toBeUndefined();
    expect((await decide(email)).reasons).toEqual(['purpose-opted-out']);
  });

  it('bad metadata and unknown fields on an opt-out are left out; on an opt-in they are a 400', async () => {
    const email = uniqueEmail('opt-out-metadata');
    const bad = {
      capturedAt: 'yesterday',
      reason: 'optOutSpam',
      source: 'crm',
      reasonDescription: 'x'.repeat(5000),
      doNotEmail: true,
    };
    const refused = await api.post('/api/consents', { ...optOut(email, bad), value: 'optedIn' });
    expect(refused.status).toBe(400);
    expect(await stored(email)).toEqual([]);
    const res = await api.post('/api/consents', optOut(email, bad));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results[0].ignored.map((i: any) => i.path).sort()).toEqual(
      ['capturedAt', 'doNotEmail', 'reason', 'reasonDescription', 'source'].map((f) => `records[0].${f}`),
    );
    expect(res.body.results[0].record).toMatchObject({
      value: 'optedOut',
      source: 'internal',
      reason: 'noReasons',
    });
    expect((await decide(email)).reasons).toEqual(['purpose-opted-out']);
  });

  it('what identifies the record is still checked: an opt-out for an unknown purpose is a 400', async () => {
    const res = await api.post(
      '/api/consents',
      optOut(uniqueEmail('opt-out-unknown'), { purposeId: 'nope' }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('records[0].purposeId');
  });
});

describe('20.10 a flag the service does not know is refused, never read as "allows"', () => {
  it('check: contact { donotemail } as the CRM spells it, or a flag beside contact: 400, nothing decided', async () => {
    const email = uniqueEmail('flags');
    for (const message of [{ contact: { donotemail: true } }, { doNotEmail: true }]) {
      const res = await api.post('/api/check', {
        messages: [
          {
            messageId: 'm',
            channel: 'email',
            contactPoint: email,
            profileId: PROFILE,
            purposeId: ids.offers,
            ...message,
          },
        ],
      });
      expect(res.status, JSON.stringify(message)).toBe(400);
      expect(res.body.errors[0].path).toMatch(/^messages\[0\]/);
    }
  });

  it('load: a member flag spelt differently is a 400 and nothing is written', async () => {
    const email = uniqueEmail('load-flags');
    const res = await api.post('/api/consents/load', {
      profileId: PROFILE,
      purposeId: ids.offers,
      from: 'contacts',
      members: [{ email, donotemail: true }],
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ index: 0, path: 'members[0].donotemail' });
    expect(await stored(email)).toEqual([]);
  });

  it('contactability, the subscription center prefill and the contact view refuse unknown flags', async () => {
    const email = uniqueEmail('query-flags');
    const contactability = await api.get(
      `/api/contactability${qs({ channel: 'email', contactPoint: email, profileId: PROFILE, donotemail: 'true' })}`,
    );
    expect(contactability.status).toBe(400);
    const prefill = await api.get(
      `/api/subscription-center${qs({ profileId: PROFILE, contactPoints: email, donotbulkemail: 'true' })}`,
    );
    expect(prefill.status).toBe(400);
    const view = await api.post('/api/contact-view', {
      contactPoints: [{ channel: 'email', contactPoint: email }],
      contact: { donotemail: true },
    });
    expect(view.status).toBe(400);
  });
});

describe('20.11 one-click bodies as mail providers send them', () => {
  async function unsubscribeUrl(email: string) {
    const res = await api.post('/api/links', {
      links: [{ channel: 'email', contactPoint: email, profileId: PROFILE, purposeId: ids.offers }],
    });
    return res.body.links[0].unsubscribeUrl as string;
  }

  it('List-Unsubscribe=One-Click with a trailing line break, form-encoded or multipart', async () => {
    const [formEncoded, multipart] = [uniqueEmail('crlf'), uniqueEmail('crlf-multipart')];
    const first = await fetch(await unsubscribeUrl(formEncoded), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click\r\n',
    });
    expect(first.status).toBe(200);
    const body = new FormData();
    body.append('List-Unsubscribe', 'One-Click\r\n');
    const second = await fetch(await unsubscribeUrl(multipart), { method: 'POST', body });
    expect(second.status).toBe(200);
    for (const email of [formEncoded, multipart])
      expect((await decide(email)).reasons).toEqual(['purpose-opted-out']);
  });
});

describe('20.15 an unsubscribe link promises only what an opt-out does', () => {
  it('refuses to make a link for a purpose sent whatever consent says (enforcement disabled)', async () => {
    const res = await api.post('/api/links', {
      links: [
        {
          channel: 'email',
          contactPoint: uniqueEmail('disabled'),
          profileId: PROFILE,
          purposeId: ids.notices,
        },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ index: 0, path: 'links[0].purposeId' });
  });

  it('a sent message of such a purpose carries the links of the profile instead', async () => {
    const email = uniqueEmail('disabled-check');
    const res = await api.post('/api/check', {
      messages: [
        {
          messageId: 'm',
          channel: 'email',
          contactPoint: email,
          profileId: PROFILE,
          purposeId: ids.notices,
          links: true,
        },
      ],
    });
    const decision = res.body.decisions[0];
    expect(decision.decision).toBe('sent');
    const page = await (await fetch(decision.links.unsubscribeUrl)).text();
    expect(page).toContain('all marketing emails');
    expect(page).toContain('RF Notices emails from Refusals do not depend on this choice and will continue');
  });

  it('says truthfully on the page when the purpose stopped depending on consent after the link was made', async () => {
    const email = uniqueEmail('became-disabled');
    const link = await api.post('/api/links', {
      links: [{ channel: 'email', contactPoint: email, profileId: PROFILE, purposeId: ids.offers }],
    });
    const url = link.body.links[0].unsubscribeUrl as string;
    expect((await api.put(`/api/profiles/${PROFILE}`, profileBody('disabled'))).status).toBe(200);
    try {
      const page = await (await fetch(url)).text();
      expect(page).toContain('RF Offers emails from Refusals do not depend on this choice and will continue');
      const done = await (
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
        })
      ).text();
      expect(done).not.toContain('will no longer receive');
      expect(done).toContain('is recorded');
    } finally {
      expect((await api.put(`/api/profiles/${PROFILE}`, profileBody('nonRestrictive'))).status).toBe(200);
    }
  });
});

describe('20.16 Dataverse collections honour $top=0 and odata.maxpagesize everywhere', () => {
  const dataverse = new DynamicsWebApi({
    serverUrl: `${inject('hostUrl')}/`,
    dataApi: { version: '9.2' },
    headers: { 'x-functions-key': inject('functionKey') },
  });

  it('$top=0 returns no rows; a filter that pins the address pages by maxpagesize with a nextLink', async () => {
    const email = uniqueEmail('dv-pages');
    await api.post('/api/consents', {
      records: [
        optOut(email),
        optOut(email, { topicId: ids.news }),
        optOut(email, { topicId: ids.deals }),
        optOut(email, { purposeId: ids.tracking }),
      ],
    });
    const filter = `msdynmkt_contactpointvalue eq '${email}'`;
    const none = await fetch(
      `${inject('hostUrl')}/api/data/v9.2/msdynmkt_contactpointconsent4s${qs({ $filter: filter, $top: '0' })}`,
      { headers: { 'x-functions-key': inject('functionKey') } },
    );
    expect(((await none.json()) as any).value).toEqual([]);
    const first = await dataverse.retrieveMultiple({
      collection: 'msdynmkt_contactpointconsent4s',
      filter,
      maxPageSize: 3,
    });
    expect(first.value).toHaveLength(3);
    expect(first.oDataNextLink).toBeTruthy();
    const all = await dataverse.retrieveAll({
      collection: 'msdynmkt_contactpointconsent4s',
      filter,
      maxPageSize: 3,
    });
    expect(all.value).toHaveLength(4);
    expect(new Set(all.value.map((r: any) => r.msdynmkt_contactpointconsent4id)).size).toBe(4);
  });

  it('purposes and topics page too', async () => {
    const first = await dataverse.retrieveMultiple({ collection: 'msdynmkt_purposes', maxPageSize: 2 });
    expect(first.value).toHaveLength(2);
    expect(first.oDataNextLink).toBeTruthy();
    const all = await dataverse.retrieveAll({ collection: 'msdynmkt_topics', maxPageSize: 1 });
    const names = all.value.map((t: any) => t.msdynmkt_name);
    expect(names).toEqual(expect.arrayContaining(['RF News', 'RF Deals']));
    expect(new Set(all.value.map((t: any) => t.msdynmkt_topicid)).size).toBe(all.value.length);
  });
});
