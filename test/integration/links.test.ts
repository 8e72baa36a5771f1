/*
 * Signed links, RFC 8058 one-click unsubscribe and the preference page, over HTTP. The shared host
 * requires a function key: /api/links needs it, the token pages must not.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, qs, uniqueEmail } from '../support/client';
import { startHost, type RunningHost } from '../support/processes';

const api = apiClient();
const tag = `${process.pid}${Date.now().toString(36)}`;
const PROFILE = `lk-${tag}`;
const ids = {
  offers: `lk-offers-${tag}`,
  news: `lk-news-${tag}`,
  deals: `lk-deals-${tag}`,
  account: `lk-account-${tag}`,
  tracking: `lk-tracking-${tag}`,
};

function profileBody(withDeals = true) {
  return {
    name: 'Fabrikam <Outdoor>',
    companyAddress: '1 Main St, Springfield',
    purposes: [
      {
        id: ids.offers,
        name: 'Offers',
        type: 'commercial',
        enforcement: {
          email: 'nonRestrictive',
          sms: 'restrictive',
          voice: 'restrictive',
          custom: 'restrictive',
        },
        topics: [
          { id: ids.news, name: 'Newsletter' },
          ...(withDeals ? [{ id: ids.deals, name: 'Deals' }] : []),
        ],
      },
      { id: ids.account, name: 'Account', type: 'transactional', enforcement: 'nonRestrictive' },
      { id: ids.tracking, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  };
}

beforeAll(async () => {
  const res = await api.put(`/api/profiles/${PROFILE}`, profileBody());
  expect(res.status, JSON.stringify(res.body)).toBe(201);
});

async function links(requests: Array<Record<string, unknown>>) {
  const res = await api.post('/api/links', { links: requests });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.links as Array<{
    unsubscribeUrl: string;
    preferencesUrl: string;
    headers?: Record<string, string>;
  }>;
}

async function records(contactPoint: string, channel = 'email') {
  return (await api.get(`/api/consents${qs({ channel, contactPoint })}`)).body.records as any[];
}

async function historyOf(contactPoint: string) {
  return (await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint })}`)).body
    .entries as any[];
}

/** Exactly as Gmail sends it: form-encoded, no cookie, no key, no redirect followed. */
function oneClick(url: string, init: { body?: string; contentType?: string } = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': init.contentType ?? 'application/x-www-form-urlencoded' },
    body: init.body ?? 'List-Unsubscribe=One-Click',
    redirect: 'manual',
  });
}

function expectPageHeaders(res: Response) {
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("script-src 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
}

describe('POST /api/links', () => {
  it('returns unsubscribe and preference links, with the RFC 8058 headers for email only', async () => {
    const email = uniqueEmail('links');
    const [mail, text] = await links([
      {
        channel: 'email',
        contactPoint: email.toUpperCase(),
        profileId: PROFILE,
        purposeId: ids.offers,
        topicId: ids.news,
      },
      { channel: 'sms', contactPoint: '+1 425 555 0177', profileId: PROFILE },
    ]);
    expect(mail!.unsubscribeUrl).toMatch(new RegExp(`^${inject('hostUrl')}/api/unsubscribe/[A-Za-z0-9_-]+$`));
    expect(mail!.preferencesUrl.split('/').pop()).toBe(mail!.unsubscribeUrl.split('/').pop());
    expect(mail!.headers).toEqual({
      'List-Unsubscribe': `<${mail!.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(text!.headers).toBeUndefined();
    // The address is nowhere in the URL, in any case.
    expect(mail!.unsubscribeUrl.toLowerCase()).not.toContain(email.split('@')[0]!.toLowerCase().slice(0, 6));
  });

  it('names every bad index and path, and makes none', async () => {
    const res = await api.post('/api/links', {
      links: [
        { channel: 'email', contactPoint: uniqueEmail(), profileId: PROFILE },
        { channel: 'email', contactPoint: uniqueEmail(), profileId: 'nope' },
        { channel: 'email', contactPoint: uniqueEmail(), profileId: PROFILE, purposeId: 'nope' },
        { channel: 'email', contactPoint: uniqueEmail(), profileId: PROFILE, purposeId: ids.tracking },
        {
          channel: 'email',
          contactPoint: uniqueEmail(),
          profileId: PROFILE,
          purposeId: ids.account,
          topicId: ids.news,
        },
        { channel: 'email', contactPoint: uniqueEmail(), profileId: PROFILE, topicId: 'nope' },
        { channel: 'email', contactPoint: 'not an address', profileId: PROFILE },
        { channel: 'email', contactPoint: uniqueEmail(), profileId: 'default', purposeId: ids.offers },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => [e.index, e.path])).toEqual([
      [1, 'links[1].profileId'],
      [2, 'links[2].purposeId'],
      [3, 'links[3].purposeId'],
      [4, 'links[4].topicId'],
      [5, 'links[5].topicId'],
      [6, 'links[6].contactPoint'],
      [7, 'links[7].purposeId'],
    ]);
  });

  it('needs the function key, while the token pages need none', async () => {
    const anonymous = apiClient(inject('hostUrl'), null);
    expect((await anonymous.post('/api/links', { links: [] })).status).toBe(401);
    const [link] = await links([{ channel: 'email', contactPoint: uniqueEmail(), profileId: PROFILE }]);
    for (const url of [link!.unsubscribeUrl, link!.preferencesUrl])
      expect((await fetch(url)).status).toBe(200);
  });
});

describe('/api/check with links: true', () => {
  it('carries the links of a sent message, none for a blocked one or without asking', async () => {
    const email = uniqueEmail('checklinks');
    await api.post('/api/consents', {
      channel: 'email',
      contactPoint: email,
      purposeId: ids.offers,
      topicId: ids.deals,
      value: 'optedOut',
    });
    const message = (messageId: string, extra: Record<string, unknown>) => ({
      messageId,
      channel: 'email',
      contactPoint: email,
      profileId: PROFILE,
      purposeId: ids.offers,
      links: true,
      ...extra,
    });
    const res = await api.post('/api/check', {
      messages: [
        message('sent', { topicId: ids.news }),
        message('blocked', { topicId: ids.deals }),
        message('plain', { links: false }),
      ],
    });
    const [sent, blocked, plain] = res.body.decisions;
    expect(sent.decision).toBe('sent');
    expect(sent.links.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(blocked.links).toBeUndefined();
    expect(plain.links).toBeUndefined();
    // The check's link is the same link: it unsubscribes from that message's topic.
    expect((await oneClick(sent.links.unsubscribeUrl)).status).toBe(200);
    expect((await records(email)).find((r) => r.topicId === ids.news).value).toBe('optedOut');
  });
});

describe('one-click unsubscribe', () => {
  it('GET shows the confirmation page and changes nothing', async () => {
    const email = uniqueEmail('scanner');
    const [link] = await links([
      { channel: 'email', contactPoint: email, profileId: PROFILE, purposeId: ids.offers },
    ]);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(link!.unsubscribeUrl);
      expect(res.status).toBe(200);
      expectPageHeaders(res);
      const page = await res.text();
      expect(page).toContain('<html lang="en">');
      expect(page).toContain('Fabrikam &lt;Outdoor&gt;');
      expect(page).toContain('1 Main St, Springfield');
      expect(page).toContain(`${email[0]}***@example.com`);
      expect(page).not.toContain(email);
      expect(page).toContain('Offers emails');
      expect(page).toMatch(/<form method="post">/);
    }
    expect(await records(email)).toEqual([]);
  });

  it('POST as Gmail sends it opts out exactly what the token names, answers 200, and a repeat is unchanged', async () => {
    const email = uniqueEmail('gmail');
    const [link] = await links([
      { channel: 'email', contactPoint: email, profileId: PROFILE, purposeId: ids.offers, topicId: ids.news },
    ]);
    const res = await oneClick(link!.unsubscribeUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
    expectPageHeaders(res);
    expect(await res.text()).toContain('You are unsubscribed');
    expect(
      (await records(email)).map((r) => [r.purposeId, r.topicId, r.value, r.source, r.reason, r.modifiedBy]),
    ).toEqual([
      [ids.offers, ids.news, 'optedOut', 'listUnsubscribe', 'optOutOneClickUnsubscribe', 'list-unsubscribe'],
    ]);
    expect((await oneClick(link!.unsubscribeUrl)).status).toBe(200);
    expect(await historyOf(email)).toHaveLength(1);
    const check = await api.post('/api/check', {
      messages: [
        {
          messageId: 'm',
          channel: 'email',
          contactPoint: email,
          profileId: PROFILE,
          purposeId: ids.offers,
          topicId: ids.news,
        },
      ],
    });
    expect(check.body.decisions[0].reasons).toEqual(['topic-opted-out']);
  });

  it('accepts multipart/form-data, and a profile link opts out every commercial purpose on its channel', async () => {
    const email = uniqueEmail('multipart');
    const [link] = await links([{ channel: 'email', contactPoint: email, profileId: PROFILE }]);
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    const res = await fetch(link!.unsubscribeUrl, { method: 'POST', body: form, redirect: 'manual' });
    expect(res.status).toBe(200);
    expect((await records(email)).map((r) => [r.purposeId, r.topicId ?? null, r.value])).toEqual([
      [ids.offers, null, 'optedOut'],
    ]);
  });

  it('refuses a body that does not ask to unsubscribe, writing nothing', async () => {
    const email = uniqueEmail('nobody');
    const [link] = await links([{ channel: 'email', contactPoint: email, profileId: PROFILE }]);
    for (const init of [
      { body: '' },
      { body: 'List-Unsubscribe=Maybe' },
      { body: '{"List-Unsubscribe":"One-Click"}', contentType: 'application/json' },
    ]) {
      const res = await oneClick(link!.unsubscribeUrl, init);
      expect([400, 415]).toContain(res.status);
      expectPageHeaders(res);
    }
    expect(await records(email)).toEqual([]);
  });
});

describe('the preference page', () => {
  it('is prefilled as for a lead and writes only the choices the person changed', async () => {
    const email = uniqueEmail('prefs');
    await api.post('/api/consents', {
      channel: 'email',
      contactPoint: email,
      purposeId: ids.offers,
      topicId: ids.deals,
      value: 'optedOut',
    });
    const [link] = await links([{ channel: 'email', contactPoint: email, profileId: PROFILE }]);
    const page = await (await fetch(link!.preferencesUrl)).text();
    const checked = (name: string) => new RegExp(`name="${name}" value="on" checked`).test(page);
    expect(checked(`purpose:${ids.offers}`)).toBe(true);
    expect(checked(`topic:${ids.news}`)).toBe(true);
    expect(checked(`topic:${ids.deals}`)).toBe(false);
    expect(checked(`purpose:${ids.account}`)).toBe(true);
    expect(checked('tracking')).toBe(true);

    // Unchecks the newsletter only; everything else as shown.
    const form = new URLSearchParams({
      shown: /name="shown" value="([^"]*)"/.exec(page)![1]!,
      [`purpose:${ids.offers}`]: 'on',
      [`purpose:${ids.account}`]: 'on',
      tracking: 'on',
    });
    const saved = await fetch(link!.preferencesUrl, { method: 'POST', body: form, redirect: 'manual' });
    expect(saved.status).toBe(200);
    expectPageHeaders(saved);
    const after = await saved.text();
    expect(after).toContain('Your preferences are saved.');
    expect(after).toMatch(new RegExp(`name="topic:${ids.news}" value="on"\\s+/>`));
    const entries = await historyOf(email);
    expect(entries.map((e) => [e.topicId, e.after.value, e.source, e.actor])).toEqual([
      [ids.news, 'optedOut', 'preferencePage', 'preference-page'],
      [ids.deals, 'optedOut', 'internal', 'anonymous'],
    ]);
    // Saving the same again changes nothing.
    const again = await fetch(link!.preferencesUrl, { method: 'POST', body: form });
    expect(await again.text()).toContain('Nothing to change');
    expect(await historyOf(email)).toHaveLength(2);
  });
});

describe('bad links', () => {
  let other: RunningHost;

  beforeAll(async () => {
    other = await startHost({
      AzureWebJobsStorage: inject('storageConnection'),
      CONSENT_TABLE_PREFIX: 'itest',
      LINK_SIGNING_KEYS: 'elsewhere:a-secret-this-service-has-never-seen-0123456789',
    });
  });
  afterAll(async () => {
    await other?.stop();
  });

  it('malformed, tampered, unknown key, expired, or naming what is gone: the same 404 page, nothing written', async () => {
    const email = uniqueEmail('bad');
    const [good] = await links([
      {
        channel: 'email',
        contactPoint: email,
        profileId: PROFILE,
        purposeId: ids.offers,
        topicId: ids.deals,
      },
    ]);
    const token = good!.unsubscribeUrl.split('/').pop()!;
    const base = `${inject('hostUrl')}/api`;
    const flip = (t: string, i: number) => t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
    const expired = (
      await links([
        { channel: 'email', contactPoint: email, profileId: PROFILE, expiresAt: '2020-01-01T00:00:00Z' },
      ])
    )[0]!;
    const foreignRes = await fetch(`${other.url}/api/links`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ links: [{ channel: 'email', contactPoint: email, profileId: PROFILE }] }),
    });
    const foreign = ((await foreignRes.json()) as any).links[0].unsubscribeUrl.split('/').pop();
    const bad = [
      'x',
      'not-a-token!',
      '%00%ff',
      token.slice(0, -1),
      `${token}A`,
      flip(token, 10),
      flip(token, token.length - 5),
      foreign,
      expired.unsubscribeUrl.split('/').pop()!,
      'A'.repeat(2000),
    ];
    for (const t of bad) {
      for (const [method, path] of [
        ['GET', 'unsubscribe'],
        ['POST', 'unsubscribe'],
        ['GET', 'preferences'],
        ['POST', 'preferences'],
      ] as const) {
        const res = await fetch(`${base}/${path}/${t}`, {
          method,
          ...(method === 'POST'
            ? {
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body: 'List-Unsubscribe=One-Click',
              }
            : {}),
        });
        expect(res.status, `${method} ${path} ${t.slice(0, 20)}`).toBe(404);
        expectPageHeaders(res);
        const text = await res.text();
        expect(text).toContain('This link is not valid');
        expect(text).not.toContain('Fabrikam');
      }
    }
    // A topic removed from the profile: its links stop working, the rest keep working.
    expect((await api.put(`/api/profiles/${PROFILE}`, profileBody(false))).status).toBe(200);
    expect((await oneClick(good!.unsubscribeUrl)).status).toBe(404);
    expect((await api.put(`/api/profiles/${PROFILE}`, profileBody(true))).status).toBe(200);
    expect(await records(email)).toEqual([]);
    expect((await fetch(good!.unsubscribeUrl)).status).toBe(200);
  });
});

describe('signing keys', () => {
  const hosts: RunningHost[] = [];
  afterAll(async () => {
    await Promise.allSettled(hosts.map((h) => h.stop()));
  });
  const start = async (env: Record<string, string>) => {
    const host = await startHost({ AzureWebJobsStorage: inject('storageConnection'), ...env });
    hosts.push(host);
    return host;
  };
  const linkFrom = async (host: RunningHost, email: string) => {
    const res = await fetch(`${host.url}/api/links`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ links: [{ channel: 'email', contactPoint: email, profileId: 'default' }] }),
    });
    return ((await res.json()) as any).links[0].unsubscribeUrl.split('/').pop() as string;
  };

  it('a generated key is kept in the config table: every instance and every restart accepts the same links', async () => {
    const env = { CONSENT_TABLE_PREFIX: `gen${tag}` };
    const a = await start(env);
    const b = await start(env);
    const token = await linkFrom(a, uniqueEmail());
    expect((await fetch(`${b.url}/api/unsubscribe/${token}`)).status).toBe(200);
    await a.stop();
    const c = await start(env);
    expect((await fetch(`${c.url}/api/unsubscribe/${token}`)).status).toBe(200);
  });

  it('rotation: links signed with an older listed key keep working; removing the key ends them', async () => {
    const env = { CONSENT_TABLE_PREFIX: `rot${tag}` };
    const old = 'old:an-old-secret-that-is-long-enough-0123456789';
    const fresh = 'new:a-new-secret-that-is-long-enough-9876543210';
    const before = await start({ ...env, LINK_SIGNING_KEYS: old });
    const token = await linkFrom(before, uniqueEmail());
    const rotated = await start({ ...env, LINK_SIGNING_KEYS: `${fresh},${old}` });
    expect((await fetch(`${rotated.url}/api/unsubscribe/${token}`)).status).toBe(200);
    expect(await linkFrom(rotated, uniqueEmail())).not.toBe(token);
    const after = await start({ ...env, LINK_SIGNING_KEYS: fresh });
    expect((await fetch(`${after.url}/api/unsubscribe/${token}`)).status).toBe(404);
  });

  it('a bad LINK_SIGNING_KEYS stops start-up with a message naming it', async () => {
    await expect(start({ CONSENT_TABLE_PREFIX: 'badkeys', LINK_SIGNING_KEYS: 'k1:short' })).rejects.toThrow(
      /LINK_SIGNING_KEYS/,
    );
  });
});
