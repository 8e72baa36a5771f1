/*
 * Replayed and partial deliveries: a provider event delivered again, however late, changes nothing;
 * the good events of a delivery are applied whatever else it holds; a START never fans out; Twilio's
 * signature is checked as Twilio's own helper checks it (signed here by that helper). And the admin
 * page behind App Service authentication.
 */
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { boundedClient, type BoundedClient, type Reply } from '../support/bounded-client';
import { qs } from '../support/client';
import { startHost, type RunningHost } from '../support/processes';

const KEY = 'replay-key';
const TOKEN = 'replay-twilio-auth-token-0123456789';
/** Twilio calls the service through a public URL on a port of its own. */
const PUBLIC = 'https://consent.example.com:8443';
const PLAIN_PUBLIC = 'https://consent.example.com';
const tag = `${process.pid}${Date.now().toString(36)}`;
const BRAND_NUMBER = '+14255550177';
const UNCLAIMED_NUMBER = '+18885550123';
const PROFILE = `rp-${tag}`;
const PURPOSES = [`rp-offers-${tag}`, `rp-orders-${tag}`];

let host: RunningHost;
let plain: RunningHost;
let api: BoundedClient;
let anonymous: BoundedClient;

beforeAll(async () => {
  const settings = {
    AzureWebJobsStorage: inject('storageConnection'),
    LOCAL_FUNCTION_KEY: KEY,
    CONSENT_TABLE_PREFIX: 'replay',
    PROFILE_CACHE_SECONDS: '0',
    TWILIO_AUTH_TOKEN: TOKEN,
  };
  [host, plain] = await Promise.all([
    startHost({ ...settings, PUBLIC_BASE_URL: PUBLIC, WEBSITE_AUTH_ENABLED: 'true' }),
    startHost({ ...settings, PUBLIC_BASE_URL: PLAIN_PUBLIC }),
  ]);
  api = boundedClient(host.url, KEY);
  anonymous = boundedClient(host.url, null);
  const profile = await api.put(`/api/profiles/${PROFILE}`, {
    name: 'Replays',
    smsNumbers: [BRAND_NUMBER],
    purposes: [
      { id: PURPOSES[0], name: 'Offers', type: 'commercial', enforcement: 'restrictive' },
      { id: PURPOSES[1], name: 'Orders', type: 'transactional', enforcement: 'nonRestrictive' },
      { id: `rp-tracking-${tag}`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });
  expect(profile.status, profile.text).toBe(201);
});

afterAll(async () => {
  await Promise.all([host?.stop(), plain?.stop()]);
});

let numbers = 0;
const sender = () => `+1206556${String(1000 + numbers++).padStart(4, '0')}`;
let sids = 0;

async function values(contactPoint: string): Promise<Record<string, string>> {
  const res = await api.get(`/api/consents${qs({ channel: 'sms', contactPoint })}`);
  expect(res.status, res.text).toBe(200);
  return Object.fromEntries((res.body.records as any[]).map((r) => [r.purposeId, r.value]));
}

const brand = (value: string) => Object.fromEntries(PURPOSES.map((p) => [p, value]));

/** An inbound text as Twilio posts it, signed by Twilio's own helper over `signedUrl`. */
function twilioRequest(
  from: string,
  body: string,
  options: { to?: string; signedUrl?: string; sid?: string } = {},
) {
  const fields: Record<string, string> = {
    ToCountry: 'US',
    Body: body,
    To: options.to ?? BRAND_NUMBER,
    From: from,
    MessageSid: options.sid ?? `SM${tag}${sids++}`,
    AccountSid: 'AC0123456789abcdef0123456789abcdef',
    NumMedia: '0',
    ApiVersion: '2010-04-01',
  };
  const signature = getExpectedTwilioSignature(
    TOKEN,
    options.signedUrl ?? `${PUBLIC}/api/sms/twilio`,
    fields,
  );
  return { body: new URLSearchParams(fields).toString(), signature };
}

const sendTwilio = (request: { body: string; signature: string }, client = anonymous): Promise<Reply> =>
  client.send({
    method: 'POST',
    path: '/api/sms/twilio',
    body: request.body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': request.signature },
  });

let events = 0;
function smsEvent(from: string, message: string, options: { id?: string; to?: string; data?: object } = {}) {
  return {
    id: options.id ?? `rp-${tag}-${events++}`,
    topic: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs',
    subject: `/phonenumber/${BRAND_NUMBER.slice(1)}`,
    eventType: 'Microsoft.Communication.SMSReceived',
    eventTime: new Date().toISOString(),
    dataVersion: '1.0',
    metadataVersion: '1',
    data: options.data ?? { messageId: `m-${events}`, from, to: options.to ?? BRAND_NUMBER, message },
  };
}
const acs = (body: unknown) => api.post('/api/sms/acs', body);

describe('20.5 a provider event delivered again changes nothing, however late', () => {
  it('Twilio: START, STOP, then the first START again byte for byte: still opted out', async () => {
    const from = sender();
    const start = twilioRequest(from, 'START');
    expect((await sendTwilio(start)).status).toBe(200);
    expect(await values(from)).toEqual(brand('optedIn'));
    expect((await sendTwilio(twilioRequest(from, 'STOP'))).status).toBe(200);
    expect(await values(from)).toEqual(brand('optedOut'));
    const replay = await sendTwilio(start);
    expect(replay.status).toBe(200);
    expect(await values(from)).toEqual(brand('optedOut'));
    const history = await api.get(`/api/consents/history${qs({ channel: 'sms', contactPoint: from })}`);
    expect(history.body.entries).toHaveLength(2 * PURPOSES.length);
  });

  it('ACS: an event id seen before changes nothing, also after many other texts from that number', async () => {
    const from = sender();
    const start = smsEvent(from, 'START');
    expect((await acs([start])).body).toEqual({ processed: 1 });
    for (let i = 0; i < 12; i++) await acs([smsEvent(from, i % 2 === 0 ? 'STOP' : 'HELP')]);
    expect(await values(from)).toEqual(brand('optedOut'));
    expect((await acs([start])).body).toEqual({ processed: 1 });
    expect(await values(from)).toEqual(brand('optedOut'));
    // And a new START is still a START.
    await acs([smsEvent(from, 'START')]);
    expect(await values(from)).toEqual(brand('optedIn'));
  });
});

describe('20.6 every readable event of a delivery is applied', () => {
  it('one valid STOP and one malformed event: 200, the STOP applied, the other reported', async () => {
    const [good, bad] = [sender(), sender()];
    const res = await acs([
      smsEvent(good, 'STOP'),
      { ...smsEvent(bad, 'STOP'), eventType: undefined },
      smsEvent(bad, 'STOP', { data: { from: bad, to: BRAND_NUMBER } }),
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ processed: 1, rejected: [{ index: 1 }, { index: 2 }] });
    expect(await values(good)).toEqual(brand('optedOut'));
    expect(await values(bad)).toEqual({});
  });
});

describe('20.7 only a STOP fans out to every profile', () => {
  it('START or YES to a number no profile claims changes nothing, through either provider', async () => {
    const [viaTwilio, viaAcs] = [sender(), sender()];
    expect((await sendTwilio(twilioRequest(viaTwilio, 'START', { to: UNCLAIMED_NUMBER }))).status).toBe(200);
    expect((await acs([smsEvent(viaAcs, 'YES', { to: UNCLAIMED_NUMBER })])).status).toBe(200);
    expect(await values(viaTwilio)).toEqual({});
    expect(await values(viaAcs)).toEqual({});
    // A STOP there still reaches every profile, this one included.
    await sendTwilio(twilioRequest(viaTwilio, 'STOP', { to: UNCLAIMED_NUMBER }));
    expect(await values(viaTwilio)).toMatchObject({ ...brand('optedOut'), commercial: 'optedOut' });
  });
});

describe('20.12 the Twilio signature, with and without the port, as twilio.validateRequest accepts it', () => {
  it('on a public URL with a port of its own: signed with the port, and without it', async () => {
    for (const signedUrl of [`${PUBLIC}/api/sms/twilio`, `${PLAIN_PUBLIC}/api/sms/twilio`]) {
      const from = sender();
      const res = await sendTwilio(twilioRequest(from, 'STOP', { signedUrl }));
      expect(res.status, signedUrl).toBe(200);
      expect(await values(from)).toEqual(brand('optedOut'));
    }
    const from = sender();
    const other = await sendTwilio(
      twilioRequest(from, 'STOP', { signedUrl: `${PLAIN_PUBLIC}:9443/api/sms/twilio` }),
    );
    expect(other.status).toBe(403);
    expect(await values(from)).toEqual({});
  });

  it('on a public URL without a port: signed without it, and with :443', async () => {
    const plainAnonymous = boundedClient(plain.url, null);
    for (const signedUrl of [`${PLAIN_PUBLIC}/api/sms/twilio`, `${PLAIN_PUBLIC}:443/api/sms/twilio`]) {
      const from = sender();
      const res = await sendTwilio(twilioRequest(from, 'STOP', { signedUrl }), plainAnonymous);
      expect(res.status, signedUrl).toBe(200);
      expect(await values(from)).toEqual(brand('optedOut'));
    }
  });
});

describe('20.14 SMSReceived read ignoring the case of its field names', () => {
  it('From, To, Message and ReceivedTimestamp as older documentation spells them', async () => {
    const from = sender();
    const res = await acs([
      smsEvent(from, '', {
        data: {
          MessageId: 'm',
          From: from,
          To: BRAND_NUMBER,
          Message: 'STOP',
          ReceivedTimestamp: new Date().toISOString(),
        },
      }),
    ]);
    expect(res.body).toEqual({ processed: 1 });
    expect(await values(from)).toEqual(brand('optedOut'));
  });
});

describe('20.17 the admin page behind App Service authentication', () => {
  it('sends whoever is not signed in to the sign-in; serves a signed-in admin', async () => {
    const signedOut = await fetch(`${host.url}/api/consent-center`, { redirect: 'manual' });
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get('location')).toBe(
      '/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fconsent-center',
    );
    const principal = Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: [] })).toString('base64');
    const signedIn = await anonymous.get('/api/consent-center', { 'x-ms-client-principal': principal });
    expect(signedIn.status).toBe(200);
    expect(signedIn.text).toContain('Consent center');
    // Without App Service authentication the page shell (which holds no data) is served to anyone.
    expect((await boundedClient(plain.url, null).get('/api/consent-center')).status).toBe(200);
  });
});
