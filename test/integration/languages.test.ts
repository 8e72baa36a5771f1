/*
 * People in their own language (issue 26): the page language chosen by ?lang=, the link, the
 * Accept-Language header or the profile's default; translated names and descriptions; right to
 * left; keywords beyond English through Twilio and ACS; replies to keywords in TwiML.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { boundedClient, type BoundedClient } from '../support/bounded-client';
import { qs, uniqueEmail } from '../support/client';
import { startHost, type RunningHost } from '../support/processes';

const KEY = 'languages-key';
const TOKEN = 'languages-twilio-token';
const PUBLIC = 'https://consent.example.fr';
const tag = `${process.pid}${Date.now().toString(36)}`;
const P = `lg-${tag}`;
const NUMBER = '+33612345678';
const ids = {
  offers: `lg-offers-${tag}`,
  news: `lg-news-${tag}`,
  orders: `lg-orders-${tag}`,
  track: `lg-track-${tag}`,
};
const HELP_EN =
  'Maison Lumière alerts: help at help@lumiere.example or +33 1 23 45 67 89. Reply STOP to opt out. Msg & data rates may apply.';

const PROFILE = {
  name: 'Maison Lumière',
  companyAddress: '12 rue de la Paix, 75002 Paris, France',
  defaultLanguage: 'en',
  smsNumbers: [NUMBER],
  sms: { helpText: HELP_EN, stopText: 'You are unsubscribed from Maison Lumière. No more messages.' },
  purposes: [
    {
      id: ids.offers,
      name: 'Offers',
      description: 'Sales and new collections, twice a month.',
      type: 'commercial',
      enforcement: 'nonRestrictive',
      topics: [{ id: ids.news, name: 'Newsletter', description: 'Our monthly letter.' }],
    },
    { id: ids.orders, name: 'Orders', type: 'transactional', enforcement: 'nonRestrictive' },
    { id: ids.track, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
  ],
  translations: {
    fr: {
      companyAddress: '12 rue de la Paix, 75002 Paris',
      purposes: {
        [ids.offers]: { name: 'Offres', description: 'Soldes et nouvelles collections, deux fois par mois.' },
      },
      topics: { [ids.news]: { name: 'Lettre d’information' } },
      sms: {
        stopText: 'Vous êtes désabonné de Maison Lumière.',
        helpText: 'Maison Lumière : aide sur help@lumiere.example. Répondez ARRET pour vous désabonner.',
      },
    },
    ja: { name: 'メゾン・ルミエール', purposes: { [ids.offers]: { name: 'お得な情報' } } },
    ar: { name: 'ميزون لوميير', purposes: { [ids.offers]: { name: 'العروض' } } },
  },
};

let host: RunningHost;
let api: BoundedClient;
let anonymous: BoundedClient;

beforeAll(async () => {
  host = await startHost({
    AzureWebJobsStorage: inject('storageConnection'),
    LOCAL_FUNCTION_KEY: KEY,
    CONSENT_TABLE_PREFIX: 'languages',
    PROFILE_CACHE_SECONDS: '0',
    TWILIO_AUTH_TOKEN: TOKEN,
    PUBLIC_BASE_URL: PUBLIC,
  });
  api = boundedClient(host.url, KEY);
  anonymous = boundedClient(host.url, null);
  const res = await api.put(`/api/profiles/${P}`, PROFILE);
  expect(res.status, res.text).toBe(201);
});

afterAll(async () => {
  await host?.stop();
});

async function link(email: string, extra: object = {}): Promise<string> {
  const res = await api.post('/api/links', {
    links: [{ channel: 'email', contactPoint: email, profileId: P, purposeId: ids.offers, ...extra }],
  });
  expect(res.status, res.text).toBe(200);
  return new URL(res.body.links[0].preferencesUrl).pathname;
}

async function page(path: string, headers: Record<string, string> = {}) {
  const res = await anonymous.get(path, headers);
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  return res.text;
}
const htmlTag = (text: string) => /<html[^>]*>/.exec(text)![0];

describe('the language of a page (26.1)', () => {
  it('is ?lang=, else the link’s, else the best Accept-Language match, else the default', async () => {
    const email = uniqueEmail('lang');
    const plain = await link(email);
    const french = await link(email, { language: 'fr' });
    expect(htmlTag(await page(plain))).toBe('<html lang="en">');
    expect(htmlTag(await page(plain, { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' }))).toBe(
      '<html lang="fr">',
    );
    expect(htmlTag(await page(plain, { 'accept-language': 'de, es;q=0.5' }))).toBe('<html lang="en">');
    expect(htmlTag(await page(french))).toBe('<html lang="fr">');
    expect(htmlTag(await page(french, { 'accept-language': 'ja' }))).toBe('<html lang="fr">');
    expect(htmlTag(await page(`${french}?lang=ja`))).toBe('<html lang="ja">');
    // A language the profile does not have is not served: the next rule decides.
    expect(htmlTag(await page(`${french}?lang=de`))).toBe('<html lang="fr">');
    expect(htmlTag(await page(`${plain}?lang=ar`))).toBe('<html lang="ar" dir="rtl">');
  });

  it('shows the translated names, address and descriptions, and a switcher that needs no script', async () => {
    const path = await link(uniqueEmail('lang-fr'), { language: 'fr' });
    const fr = await page(path);
    expect(fr).toContain('Vos préférences');
    expect(fr).toContain('<legend>Offres</legend>');
    expect(fr).toContain('Soldes et nouvelles collections, deux fois par mois.');
    expect(fr).toContain('Lettre d’information');
    expect(fr).toContain('12 rue de la Paix, 75002 Paris<');
    expect(fr).toMatch(/<a href="\?lang=ja" lang="ja" hreflang="ja">日本語<\/a>/);
    expect(fr).toMatch(/<span lang="fr" aria-current="true">français<\/span>/);
    // Untranslated text falls back to the default language's.
    expect(fr).toContain('Our monthly letter.');
    const en = await page(`${path}?lang=en`);
    expect(en).toContain('<legend>Offers</legend>');
    expect(en).toContain('Sales and new collections, twice a month.');
    const ja = await page(`${path}?lang=ja`);
    expect(ja).toContain('メゾン・ルミエール');
    expect(ja).toContain('配信設定');
  });

  it('serves the unsubscribe, confirmation and error pages in the language too', async () => {
    const email = uniqueEmail('lang-unsub');
    const prefs = await link(email, { language: 'fr' });
    const unsubscribe = prefs.replace('/preferences/', '/unsubscribe/');
    expect(await page(unsubscribe)).toContain('Se désabonner');
    const done = await anonymous.send({
      method: 'POST',
      path: unsubscribe,
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Vous êtes désabonné');
    const confirmation = await api.post('/api/consents/confirmations', {
      channel: 'email',
      contactPoint: email,
      profileId: P,
      purposeId: ids.offers,
      language: 'ar',
    });
    expect(confirmation.status, confirmation.text).toBe(202);
    const confirm = await page(new URL(confirmation.body.confirmUrl).pathname);
    expect(htmlTag(confirm)).toBe('<html lang="ar" dir="rtl">');
    expect(confirm).toContain('يرجى التأكيد');
    const invalid = await anonymous.get('/api/preferences/not-a-token', {
      'accept-language': 'de-CH, de;q=0.9',
    });
    expect(invalid.status).toBe(404);
    expect(htmlTag(invalid.text)).toBe('<html lang="de">');
    expect(invalid.text).toContain('Dieser Link ist ungültig');
  });

  it('refuses bad languages, translations of unknown purposes, and a HELP reply carriers would refuse', async () => {
    const base = { ...PROFILE, smsNumbers: [], sms: undefined };
    const cases: Array<[string, object]> = [
      ['default language', { defaultLanguage: 'not a language!' }],
      ['translation tag', { translations: { 'FR-fr': {} } }],
      ['unknown purpose', { translations: { fr: { purposes: { nope: { name: 'X' } } } } }],
      ['unknown topic', { translations: { fr: { topics: { nope: { name: 'X' } } } } }],
      ['no rates', { sms: { helpText: 'Maison Lumière: help@lumiere.example. Reply STOP to opt out.' } }],
      [
        'no contact',
        { sms: { helpText: 'Maison Lumière. Reply STOP to opt out. Msg & data rates may apply.' } },
      ],
      [
        'no opt-out',
        { sms: { helpText: 'Maison Lumière: help@lumiere.example. Msg & data rates may apply.' } },
      ],
      [
        'no name',
        { sms: { helpText: 'Help: help@lumiere.example. Reply STOP to end. Msg & data rates may apply.' } },
      ],
      [
        'translated, no opt-out',
        { translations: { fr: { sms: { helpText: 'Maison Lumière : help@lumiere.example.' } } } },
      ],
    ];
    for (const [what, extra] of cases) {
      const res = await api.put(`/api/profiles/lg-bad-${tag}`, {
        ...base,
        ...extra,
        purposes: PROFILE.purposes.map((p) => ({
          ...p,
          id: `${p.id}-bad`,
          topics: p.topics?.map((t) => ({ ...t, id: `${t.id}-bad` })),
        })),
      });
      expect(res.status, `${what}: ${res.text}`).toBe(400);
    }
  });
});

function twilioPost(body: string, from: string, sid: string) {
  const form = new URLSearchParams({
    From: from,
    To: NUMBER,
    Body: body,
    MessageSid: sid,
    AccountSid: 'AC1',
  });
  const signature = createHmac('sha1', TOKEN)
    .update(
      `${PUBLIC}/api/sms/twilio${[...form]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([n, v]) => n + v)
        .join('')}`,
    )
    .digest('base64');
  return anonymous.send({
    method: 'POST',
    path: '/api/sms/twilio',
    body: form.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
  });
}

const smsValues = async (from: string) => {
  const res = await api.get(`/api/consents${qs({ channel: 'sms', contactPoint: from })}`);
  return Object.fromEntries(res.body.records.map((r: any) => [r.purposeId, r.value]));
};

describe('keywords beyond English, and replies (26.2)', () => {
  it('ARRÊT, arret and full-width forms opt out, answered in French; HELP in English; START with no reply set', async () => {
    let n = 0;
    for (const [i, word] of ['ARRÊT', 'arret', 'ＡＲＲÊＴ', 'Alto', 'STOPP', 'opt out'].entries()) {
      const from = `+3361000${String(1000 + i)}`;
      const res = await twilioPost(` ${word} `, from, `SM-${tag}-${n++}`);
      expect(res.status, res.text).toBe(200);
      expect(await smsValues(from), word).toEqual({ [ids.offers]: 'optedOut', [ids.orders]: 'optedOut' });
      if (word !== 'Alto' && word !== 'STOPP' && word !== 'opt out')
        expect(res.text, word).toBe(
          '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Vous êtes désabonné de Maison Lumière.</Message></Response>',
        );
      else expect(res.text, word).toContain('You are unsubscribed from Maison Lumière.');
    }
    const near = '+33610009999';
    for (const miss of ['ARRÊTE', 'arrêt svp', 'ALTOS']) {
      const res = await twilioPost(miss, near, `SM-${tag}-${n++}`);
      expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    }
    expect(await smsValues(near)).toEqual({});
    const help = await twilioPost('HELP', near, `SM-${tag}-${n++}`);
    expect(help.text).toContain(HELP_EN.replace('&', '&amp;'));
    const aide = await twilioPost('aide', near, `SM-${tag}-${n++}`);
    expect(aide.text).toContain('Répondez ARRET');
    const start = await twilioPost('COMMENCER', near, `SM-${tag}-${n++}`);
    expect(start.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(await smsValues(near)).toEqual({ [ids.offers]: 'optedIn', [ids.orders]: 'optedIn' });
  });

  it('ACS deliveries honour the same keywords', async () => {
    const from = '+33610008888';
    const res = await api.post('/api/sms/acs', [
      {
        id: `acs-${tag}`,
        subject: '/phonenumber/33612345678',
        eventType: 'Microsoft.Communication.SMSReceived',
        eventTime: new Date().toISOString(),
        data: { from, to: NUMBER, message: 'Baja', receivedTimestamp: new Date().toISOString() },
      },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(await smsValues(from)).toEqual({ [ids.offers]: 'optedOut', [ids.orders]: 'optedOut' });
  });
});
