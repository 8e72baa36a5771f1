/*
 * Text message keywords over HTTP: Twilio's signed inbound webhook and Azure Communication Services
 * SMSReceived events from Event Grid (Event Grid schema and CloudEvents, with both handshakes)
 * become consent through the one upsert, and the next /api/check sees it.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { boundedClient, type BoundedClient, type Reply } from '../support/bounded-client';
import { qs } from '../support/client';
import {
  azuriteConnectionString,
  startAzurite,
  startHost,
  type RunningAzurite,
  type RunningHost,
} from '../support/processes';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

const KEY = 'sms-key';
const TOKEN = 'twilio-auth-token-0123456789abcdef';
const RETIRED_TOKEN = 'twilio-auth-token-retired';
const PUBLIC = 'https://consent.example.com';
const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
const SMS_RECEIVED = 'Microsoft.Communication.SMSReceived';

/** The number the `sms-brand` profile sends from; nothing claims any other number. */
const BRAND_NUMBER = '+14255550142';
const UNCLAIMED_NUMBER = '+18885550100';
const BRAND = {
  name: 'SMS brand',
  smsNumbers: ['+1 (425) 555-0142'],
  purposes: [
    {
      id: 'sb-offers',
      name: 'Offers',
      type: 'commercial',
      enforcement: 'restrictive',
      topics: [{ id: 'sb-weekly', name: 'Weekly' }],
    },
    { id: 'sb-news', name: 'News', type: 'commercial', enforcement: 'nonRestrictive' },
    { id: 'sb-orders', name: 'Orders', type: 'transactional', enforcement: 'nonRestrictive' },
    { id: 'sb-tracking', name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
  ],
};
/** Every commercial and transactional purpose, by profile. */
const DEFAULT_PURPOSES = ['commercial', 'transactional'];
const BRAND_PURPOSES = ['sb-offers', 'sb-news', 'sb-orders'];
const ALL_PURPOSES = [...DEFAULT_PURPOSES, ...BRAND_PURPOSES];

let host: RunningHost;
let api: BoundedClient;
let anonymous: BoundedClient;

beforeAll(async () => {
  host = await startHost({
    AzureWebJobsStorage: inject('storageConnection'),
    LOCAL_FUNCTION_KEY: KEY,
    CONSENT_TABLE_PREFIX: 'sms',
    PROFILE_CACHE_SECONDS: '0',
    TWILIO_AUTH_TOKEN: `${RETIRED_TOKEN}, ${TOKEN}`,
    PUBLIC_BASE_URL: `${PUBLIC}/`,
  });
  api = boundedClient(host.url, KEY);
  anonymous = boundedClient(host.url, null);
  const brand = await api.put('/api/profiles/sms-brand', BRAND);
  expect(brand.status, brand.text).toBe(201);
});

afterAll(async () => {
  await host?.stop();
});

let numbers = 0;
/** A fresh sender per test: valid, never used twice in this file. */
const sender = () => `+1206555${String(1000 + numbers++).padStart(4, '0')}`;

// ---------------------------------------------------------------------------------------------
// Twilio: requests signed as Twilio signs them, computed here independently of the service.

function twilioSign(token: string, url: string, form: URLSearchParams): string {
  const pairs = [...new Map([...form].map((p) => [JSON.stringify(p), p])).values()].sort(
    ([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0),
  );
  return createHmac('sha1', token)
    .update(url + pairs.map(([n, v]) => n + v).join(''))
    .digest('base64');
}

interface TwilioOptions {
  token?: string;
  /** The URL the signature is computed over; the public URL of the request by default. */
  signedUrl?: string;
  /** Path and query the request goes to. */
  path?: string;
  signature?: string | null;
  /** Parameters added after signing. */
  unsigned?: Record<string, string>;
  contentType?: string;
  client?: BoundedClient;
}

function twilioFields(from: string, body: string, extra: Record<string, string> = {}) {
  return {
    ToCountry: 'US',
    SmsMessageSid: `SM${numbers}`,
    NumMedia: '0',
    SmsSid: `SM${numbers}`,
    SmsStatus: 'received',
    Body: body,
    To: UNCLAIMED_NUMBER,
    NumSegments: '1',
    MessageSid: `SM${numbers}x${body.length}`,
    AccountSid: 'AC0123456789abcdef0123456789abcdef',
    From: from,
    ApiVersion: '2010-04-01',
    ...extra,
  };
}

async function twilio(fields: Record<string, string>, options: TwilioOptions = {}): Promise<Reply> {
  const path = options.path ?? '/api/sms/twilio';
  const form = new URLSearchParams(fields);
  const signature =
    options.signature === undefined
      ? twilioSign(options.token ?? TOKEN, options.signedUrl ?? `${PUBLIC}${path}`, form)
      : options.signature;
  for (const [name, value] of Object.entries(options.unsigned ?? {})) form.append(name, value);
  return (options.client ?? anonymous).send({
    method: 'POST',
    path,
    body: form.toString(),
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      ...(signature !== null ? { 'x-twilio-signature': signature } : {}),
    },
  });
}

function expectTwiml(res: Reply) {
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/xml');
  expect(res.text).toBe(TWIML);
}

function expectProblem(res: Reply, status: number) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
}

// ---------------------------------------------------------------------------------------------
// Azure Communication Services through Event Grid.

let events = 0;
function smsData(from: string, message: string, receivedTimestamp?: string, to = UNCLAIMED_NUMBER) {
  return {
    MessageId: `Incoming_${events}`,
    messageId: `Incoming_${events}`,
    from,
    to,
    message,
    ...(receivedTimestamp !== undefined ? { receivedTimestamp } : {}),
    segmentCount: 1,
  };
}

function eventGridEvent(type: string, data: unknown) {
  events++;
  return {
    id: `event-${events}`,
    topic: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs',
    subject: '/phonenumber/18885550100',
    data,
    eventType: type,
    dataVersion: '1.0',
    metadataVersion: '1',
    eventTime: new Date().toISOString(),
  };
}

function cloudEvent(type: string, data: unknown) {
  events++;
  return {
    specversion: '1.0',
    id: `cloud-${events}`,
    source: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs',
    subject: '/phonenumber/18885550100',
    type,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
  };
}

const acs = (body: unknown, contentType = 'application/json', client: BoundedClient = api) =>
  client.send({
    method: 'POST',
    path: '/api/sms/acs',
    body: JSON.stringify(body),
    headers: { 'content-type': contentType },
  });

/** One SMSReceived event in the Event Grid schema. */
const acsText = (from: string, message: string, receivedTimestamp?: string, to?: string) =>
  acs([eventGridEvent(SMS_RECEIVED, smsData(from, message, receivedTimestamp, to))]);

// ---------------------------------------------------------------------------------------------
// Reading back.

async function records(contactPoint: string, channel = 'sms', client = api): Promise<any[]> {
  const res = await client.get(`/api/consents${qs({ channel, contactPoint })}`);
  expect(res.status, res.text).toBe(200);
  return res.body.records;
}

async function values(contactPoint: string): Promise<Record<string, string>> {
  return Object.fromEntries(
    (await records(contactPoint)).map((r) => [
      r.topicId ? `${r.purposeId}/${r.topicId}` : r.purposeId,
      r.value,
    ]),
  );
}

async function history(contactPoint: string, channel = 'sms'): Promise<any[]> {
  const res = await api.get(`/api/consents/history${qs({ channel, contactPoint, limit: 1000 })}`);
  expect(res.status, res.text).toBe(200);
  return res.body.entries;
}

async function expectNothingWritten(contactPoint: string) {
  expect(await records(contactPoint)).toEqual([]);
  expect(await history(contactPoint)).toEqual([]);
}

const everything = (purposes: string[], value: string) => Object.fromEntries(purposes.map((p) => [p, value]));

async function decisions(contactPoint: string, targets: Array<[string, string]>, channel = 'sms') {
  const res = await api.post('/api/check', {
    messages: targets.map(([profileId, purposeId], i) => ({
      messageId: `m-${i}`,
      channel,
      contactPoint,
      profileId,
      purposeId,
    })),
  });
  expect(res.status, res.text).toBe(200);
  return Object.fromEntries(
    res.body.decisions.map((d: any, i: number) => [targets[i]![1], d.decision]),
  ) as Record<string, string>;
}

// ---------------------------------------------------------------------------------------------

describe('POST /api/sms/twilio: the signature', () => {
  it('applies a STOP signed over the public URL and answers empty TwiML', async () => {
    const from = sender();
    const res = await twilio(twilioFields(from, 'STOP'));
    expectTwiml(res);
    expect(await values(from)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
    const [entry] = (await history(from)).filter((e) => e.purposeId === 'commercial');
    expect(entry).toMatchObject({
      actor: 'sms-twilio',
      source: 'textMessage',
      after: {
        value: 'optedOut',
        source: 'textMessage',
        reason: 'noReasons',
        reasonDescription: `STOP texted to ${UNCLAIMED_NUMBER}`,
        modifiedBy: 'sms-twilio',
      },
    });
  });

  it('accepts either token while one is being rotated', async () => {
    const from = sender();
    expectTwiml(await twilio(twilioFields(from, 'STOP'), { token: RETIRED_TOKEN }));
    expect(await values(from)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
  });

  it('refuses a wrong, missing, empty or tampered signature with 403, writing nothing', async () => {
    const from = sender();
    const fields = twilioFields(from, 'STOP');
    const good = twilioSign(TOKEN, `${PUBLIC}/api/sms/twilio`, new URLSearchParams(fields));
    const refused: Array<[string, Promise<Reply>]> = [
      ['another token', twilio(fields, { token: 'not-the-token' })],
      ['missing', twilio(fields, { signature: null })],
      ['empty', twilio(fields, { signature: '' })],
      ['garbage', twilio(fields, { signature: 'not base64 at all' })],
      ['lower-cased', twilio(fields, { signature: good.toLowerCase() })],
      ['truncated', twilio(fields, { signature: good.slice(0, -2) })],
      ['a field changed after signing', twilio({ ...fields, Body: 'START' }, { signature: good })],
      ['a field added after signing', twilio(fields, { unsigned: { Body: 'START' } })],
    ];
    for (const [what, pending] of refused) {
      const res = await pending;
      expect(res.status, what).toBe(403);
      expectProblem(res, 403);
    }
    await expectNothingWritten(from);
  });

  it('refuses a signature computed over another URL: the local address, another path, query, scheme or host', async () => {
    const from = sender();
    const fields = twilioFields(from, 'STOP');
    for (const signedUrl of [
      `${host.url}/api/sms/twilio`,
      `${PUBLIC}/api/sms/twilio/`,
      `${PUBLIC}/api/sms/acs`,
      `${PUBLIC}/api/sms/twilio?x=1`,
      `${PUBLIC.replace('https', 'http')}/api/sms/twilio`,
      `https://other.example.com/api/sms/twilio`,
      `${PUBLIC}:8443/api/sms/twilio`,
    ]) {
      expectProblem(await twilio(fields, { signedUrl }), 403);
    }
    await expectNothingWritten(from);
  });

  it('signs the query string exactly as received', async () => {
    const from = sender();
    const path = '/api/sms/twilio?tenant=contoso&v=2';
    expectProblem(
      await twilio(twilioFields(from, 'STOP'), { path, signedUrl: `${PUBLIC}/api/sms/twilio` }),
      403,
    );
    await expectNothingWritten(from);
    expectTwiml(await twilio(twilioFields(from, 'STOP'), { path }));
    expect(await values(from)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
    // Twilio signs a quote in the query as it is; on its way to the function it becomes %27.
    const quoted = sender();
    const withQuote = "/api/sms/twilio?tenant=o'brien";
    expectTwiml(await twilio(twilioFields(quoted, 'STOP'), { path: withQuote }));
    expectTwiml(
      await twilio(twilioFields(quoted, 'STOP'), {
        path: withQuote,
        signedUrl: `${PUBLIC}/api/sms/twilio?tenant=o%27brien`,
      }),
    );
    expect(await values(quoted)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
  });

  it('verifies with unknown extra parameters, repeated ones and characters that need encoding', async () => {
    const from = sender();
    const form = {
      ...twilioFields(from, ' stop '),
      AddOns: '{"status":"successful","results":{}}',
      FromCity: 'SAN FRANCISCO',
      NewParameterTwilioAddsOneDay: 'a+b=c&d é 😀',
    };
    const res = await twilio(form, { unsigned: {} });
    expectTwiml(res);
    expect(await values(from)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
    // A repeated parameter is signed with its values sorted.
    const other = sender();
    const repeated = new URLSearchParams(twilioFields(other, 'STOP'));
    repeated.append('MediaUrl', 'https://b.example/2');
    repeated.append('MediaUrl', 'https://a.example/1');
    const res2 = await anonymous.send({
      method: 'POST',
      path: '/api/sms/twilio',
      body: repeated.toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-twilio-signature': twilioSign(TOKEN, `${PUBLIC}/api/sms/twilio`, repeated),
      },
    });
    expectTwiml(res2);
    expect(await values(other)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
  });

  it('refuses every request with 403 on a host without TWILIO_AUTH_TOKEN', async () => {
    const unset = boundedClient(inject('hostUrl'), null);
    const from = sender();
    const res = await twilio(twilioFields(from, 'STOP'), {
      client: unset,
      signedUrl: `${inject('hostUrl')}/api/sms/twilio`,
    });
    expectProblem(res, 403);
    expect(res.body.detail).toMatch(/auth token/);
    const stored = await boundedClient(inject('hostUrl'), inject('functionKey')).get(
      `/api/consents${qs({ channel: 'sms', contactPoint: from })}`,
    );
    expect(stored.body.records).toEqual([]);
  });

  it('refuses a body that is not form-encoded with 415 and one over 64 KiB with 413', async () => {
    const from = sender();
    expectProblem(await twilio(twilioFields(from, 'STOP'), { contentType: 'application/json' }), 415);
    expectProblem(await twilio(twilioFields(from, 'STOP'), { contentType: 'text/plain' }), 415);
    expectProblem(
      await twilio(twilioFields(from, 'STOP'), {
        contentType: 'application/x-www-form-urlencoded; charset=latin1',
      }),
      415,
    );
    expectProblem(await twilio(twilioFields(from, 'STOP', { Padding: 'x'.repeat(64 * 1024) })), 413);
    await expectNothingWritten(from);
  });
});

describe('keywords', () => {
  const OPT_OUT = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'];
  const OPT_IN = ['START', 'YES', 'UNSTOP'];
  const spell = (k: string, i: number) =>
    [
      k,
      k.toLowerCase(),
      k[0] + k.slice(1).toLowerCase(),
      [...k].map((c, j) => ((i + j) % 2 ? c.toLowerCase() : c)).join(''),
    ][i % 4]!;

  it('every opt-out keyword, in any case and with spaces around it, opts out every purpose it covers', async () => {
    await Promise.all(
      OPT_OUT.map(async (keyword, i) => {
        const from = sender();
        expectTwiml(await twilio(twilioFields(from, `\u00a0${spell(keyword, i)}\n`)));
        expect(await values(from), keyword).toEqual(everything(ALL_PURPOSES, 'optedOut'));
        const [entry] = await history(from);
        expect(entry.after.reasonDescription).toBe(`${keyword} texted to ${UNCLAIMED_NUMBER}`);
      }),
    );
  });

  it('every opt-in keyword opts in every purpose of the brand whose number it was sent to, through either provider', async () => {
    await Promise.all(
      OPT_IN.flatMap((keyword, i) => [
        (async () => {
          const from = sender();
          expectTwiml(await twilio(twilioFields(from, spell(keyword, i), { To: BRAND_NUMBER })));
          expect(await values(from), keyword).toEqual(everything(BRAND_PURPOSES, 'optedIn'));
        })(),
        (async () => {
          const from = sender();
          const res = await acsText(from, ` ${spell(keyword, i + 1)} `, undefined, BRAND_NUMBER);
          expect(res.body).toEqual({ processed: 1 });
          expect(await values(from), keyword).toEqual(everything(BRAND_PURPOSES, 'optedIn'));
        })(),
      ]),
    );
  });

  it('HELP, INFO, ordinary texts and near misses change nothing, and are still answered 200', async () => {
    const texts = [
      'HELP',
      'info',
      'Hello',
      '',
      'STOP!',
      'stop please',
      'S T O P',
      'STOP\u200b',
      'START NOW',
      'ＳＴＯＰ!',
    ];
    await Promise.all(
      texts.map(async (text) => {
        const viaTwilio = sender();
        expectTwiml(await twilio(twilioFields(viaTwilio, text)));
        await expectNothingWritten(viaTwilio);
        const viaAcs = sender();
        expect((await acsText(viaAcs, text)).body).toEqual({ processed: 1 });
        await expectNothingWritten(viaAcs);
      }),
    );
  });

  it("takes Twilio's OptOutType over the body when present", async () => {
    const translated = sender();
    expectTwiml(await twilio(twilioFields(translated, 'Arrêt', { OptOutType: 'STOP' })));
    expect(await values(translated)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
    const help = sender();
    expectTwiml(await twilio(twilioFields(help, 'STOP', { OptOutType: 'HELP' })));
    await expectNothingWritten(help);
    const start = sender();
    expectTwiml(await twilio(twilioFields(start, 'Oui', { OptOutType: 'START', To: BRAND_NUMBER })));
    expect(await values(start)).toEqual(everything(BRAND_PURPOSES, 'optedIn'));
  });

  it('ignores a sender that is no usable number: 200, nothing written', async () => {
    for (const from of ['', 'CONTOSO', '12345', 'whatsapp:+14255550100', '+1']) {
      expectTwiml(await twilio(twilioFields(from, 'STOP')));
      expect((await acsText(from, 'STOP')).body).toEqual({ processed: 0 });
    }
    const none = await twilio(
      Object.fromEntries(Object.entries(twilioFields('', 'STOP')).filter(([k]) => k !== 'From')),
    );
    expectTwiml(none);
  });

  it('normalizes the sender like any sms contact point, with or without +', async () => {
    const from = sender();
    expectTwiml(await twilio(twilioFields(from.slice(1), 'STOP')));
    expect(await values(from)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
    const formatted = sender();
    expect(
      (await acsText(`+1 (${formatted.slice(2, 5)}) ${formatted.slice(5, 8)}-${formatted.slice(8)}`, 'STOP'))
        .body,
    ).toEqual({
      processed: 1,
    });
    expect(await values(formatted)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
    expect((await acsText('33612345678', 'STOP')).body).toEqual({ processed: 1 });
    expect(await values('+33612345678')).toEqual(everything(ALL_PURPOSES, 'optedOut'));
  });
});

describe('POST /api/sms/acs: Event Grid and CloudEvents', () => {
  it('answers the Event Grid subscription validation handshake', async () => {
    const res = await acs([
      eventGridEvent('Microsoft.EventGrid.SubscriptionValidationEvent', {
        validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
        validationUrl: 'https://rp-eastus2.eventgrid.azure.net/eventsubscriptions/x/validate?id=1&t=2',
      }),
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
  });

  it('answers the CloudEvents abuse-protection handshake (OPTIONS), with the function key', async () => {
    const res = await api.send({
      method: 'OPTIONS',
      path: '/api/sms/acs',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    expect(res.headers.get('webhook-allowed-rate')).toBe('*');
    const byCode = await anonymous.send({
      method: 'OPTIONS',
      path: `/api/sms/acs?code=${KEY}`,
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    expect(byCode.status).toBe(200);
    expectProblem(await api.send({ method: 'OPTIONS', path: '/api/sms/acs' }), 400);
    expectProblem(
      await api.send({
        method: 'OPTIONS',
        path: '/api/sms/acs',
        headers: { 'WebHook-Request-Origin': 'a b/c' },
      }),
      400,
    );
    const keyless = await anonymous.send({
      method: 'OPTIONS',
      path: '/api/sms/acs',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    expect(keyless.status).toBe(401);
    expect(keyless.headers.get('webhook-allowed-origin')).toBeNull();
  });

  it('applies SMSReceived in the Event Grid schema, ignoring other event types, and counts what it handled', async () => {
    const [a, b, unusable] = [sender(), sender(), 'CONTOSO'];
    const res = await acs([
      eventGridEvent(SMS_RECEIVED, smsData(a, 'STOP')),
      eventGridEvent('Microsoft.Communication.SMSDeliveryReportReceived', { messageId: 'x', from: a, to: b }),
      eventGridEvent(SMS_RECEIVED, smsData(b, 'hello')),
      eventGridEvent(SMS_RECEIVED, smsData(unusable, 'STOP')),
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ processed: 2 });
    expect(await values(a)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
    await expectNothingWritten(b);
    const [entry] = await history(a);
    expect(entry).toMatchObject({ actor: 'sms-acs', source: 'textMessage' });
  });

  it('applies a single CloudEvent and a CloudEvents batch', async () => {
    const [one, two, three] = [sender(), sender(), sender()];
    const single = await acs(cloudEvent(SMS_RECEIVED, smsData(one, 'Stop')), 'application/cloudevents+json');
    expect(single.status, single.text).toBe(200);
    expect(single.body).toEqual({ processed: 1 });
    const batch = await acs(
      [
        cloudEvent(SMS_RECEIVED, smsData(two, 'QUIT')),
        cloudEvent(SMS_RECEIVED, smsData(three, 'yes', undefined, BRAND_NUMBER)),
      ],
      'application/cloudevents-batch+json; charset=utf-8',
    );
    expect(batch.status, batch.text).toBe(200);
    expect(batch.body).toEqual({ processed: 2 });
    expect(await values(one)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
    expect(await values(two)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
    expect(await values(three)).toEqual(everything(BRAND_PURPOSES, 'optedIn'));
  });

  it('applies every readable event of a delivery and reports the others; a body that is no delivery is a 400', async () => {
    const [good, bad, other] = [sender(), sender(), sender()];
    const res = await acs([
      eventGridEvent(SMS_RECEIVED, smsData(good, 'STOP')),
      {
        ...eventGridEvent(SMS_RECEIVED, { from: bad, to: UNCLAIMED_NUMBER, receivedTimestamp: 'soon' }),
        eventTime: 5,
      },
      eventGridEvent(SMS_RECEIVED, { from: bad, to: UNCLAIMED_NUMBER, receivedTimestamp: 'soon' }),
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      processed: 1,
      rejected: [
        { index: 1, reason: expect.stringContaining('[1].eventTime') },
        { index: 2, reason: expect.stringMatching(/\[2\]\.data\.message.*\[2\]\.data\.receivedTimestamp/) },
      ],
    });
    expect(await values(good)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
    await expectNothingWritten(bad);
    const cloud = await acs(
      { ...cloudEvent(SMS_RECEIVED, smsData(other, 'STOP')), specversion: '0.3' },
      'application/cloudevents+json',
    );
    expectProblem(cloud, 400);
    expect(cloud.body.errors.map((e: any) => e.path)).toEqual(['specversion']);
    expectProblem(await acs(eventGridEvent(SMS_RECEIVED, smsData(other, 'STOP'))), 400);
    expectProblem(await acs([eventGridEvent(SMS_RECEIVED, smsData(other, 'STOP'))], 'text/plain'), 415);
    expectProblem(
      await acs([eventGridEvent(SMS_RECEIVED, smsData(other, 'STOP'))], 'application/cloudevents'),
      415,
    );
    await expectNothingWritten(other);
  });

  it('needs the function key', async () => {
    const from = sender();
    const res = await acs(
      [eventGridEvent(SMS_RECEIVED, smsData(from, 'STOP'))],
      'application/json',
      anonymous,
    );
    expect(res.status).toBe(401);
    await expectNothingWritten(from);
  });
});

describe('duplicates and late events', () => {
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

  it('a delivery repeated (Event Grid retries) comes back unchanged: one history entry per purpose', async () => {
    const from = sender();
    const delivery = [eventGridEvent(SMS_RECEIVED, smsData(from, 'STOP', at(3)))];
    expect((await acs(delivery)).body).toEqual({ processed: 1 });
    const first = await records(from);
    expect((await acs(delivery)).body).toEqual({ processed: 1 });
    expect(await records(from)).toEqual(first);
    expect(await history(from)).toHaveLength(ALL_PURPOSES.length);
    // Twilio delivering the same STOP twice: unchanged as well.
    const other = sender();
    const fields = twilioFields(other, 'STOP');
    expectTwiml(await twilio(fields));
    expectTwiml(await twilio(fields));
    expect(await history(other)).toHaveLength(ALL_PURPOSES.length);
  });

  it('a newer START then an older STOP ends opted in; the reverse order ends opted out', async () => {
    const inFirst = sender();
    await acsText(inFirst, 'START', at(1), BRAND_NUMBER);
    await acsText(inFirst, 'STOP', at(2), BRAND_NUMBER); // sent before the START, delivered after: stale
    expect(await values(inFirst)).toEqual(everything(BRAND_PURPOSES, 'optedIn'));
    expect(await history(inFirst)).toHaveLength(BRAND_PURPOSES.length);

    const outFirst = sender();
    await acsText(outFirst, 'STOP', at(1), BRAND_NUMBER);
    await acsText(outFirst, 'START', at(2), BRAND_NUMBER);
    expect(await values(outFirst)).toEqual(everything(BRAND_PURPOSES, 'optedOut'));
    expect(await history(outFirst)).toHaveLength(BRAND_PURPOSES.length);

    // In one batch, in either order: the capture times decide, not the order of delivery.
    for (const order of [
      ['START', 'STOP'],
      ['STOP', 'START'],
    ]) {
      const from = sender();
      const times = { START: at(5), STOP: at(6) };
      await acs(
        order.map((k) =>
          eventGridEvent(SMS_RECEIVED, smsData(from, k, times[k as 'STOP' | 'START'], BRAND_NUMBER)),
        ),
      );
      expect(await values(from), order.join(',')).toEqual(everything(BRAND_PURPOSES, 'optedIn'));
    }
  });

  it('a receive time ahead of the service clock counts as now', async () => {
    const from = sender();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await acsText(from, 'STOP', future)).body).toEqual({ processed: 1 });
    const [record] = await records(from);
    expect(Date.parse(record.capturedAt)).toBeLessThanOrEqual(Date.now());
  });
});

describe('smsNumbers: the profiles a keyword acts on', () => {
  it('are returned normalized with the profile; invalid ones are 400, another profile’s are 409', async () => {
    const brand = await api.get('/api/profiles/sms-brand');
    expect(brand.body.smsNumbers).toEqual([BRAND_NUMBER]);
    const other = { ...BRAND, purposes: BRAND.purposes.map((p) => ({ ...p, id: `x-${p.id}`, topics: [] })) };
    const taken = await api.put('/api/profiles/sms-other', {
      ...other,
      smsNumbers: ['+14255550199', '+14255550142'],
    });
    expectProblem(taken, 409);
    expect(taken.body.errors).toEqual([
      { path: 'smsNumbers[1]', message: 'the number belongs to profile "sms-brand"' },
    ]);
    const invalid = await api.put('/api/profiles/sms-other', {
      ...other,
      smsNumbers: ['4255550199', '+1 425 555 0199', '+14255550199'],
    });
    expectProblem(invalid, 400);
    expect(invalid.body.errors.map((e: any) => e.path)).toEqual(['smsNumbers[0]', 'smsNumbers[2]']);
    expect((await api.get('/api/profiles/sms-other')).status).toBe(404);
  });

  it('a keyword sent to a claimed number acts on that profile only', async () => {
    const from = sender();
    expectTwiml(await twilio(twilioFields(from, 'STOP', { To: BRAND_NUMBER })));
    expect(await values(from)).toEqual(everything(BRAND_PURPOSES, 'optedOut'));
    const viaAcs = sender();
    expect((await acsText(viaAcs, 'STOP', undefined, '+1 425-555-0142')).body).toEqual({ processed: 1 });
    expect(await values(viaAcs)).toEqual(everything(BRAND_PURPOSES, 'optedOut'));
  });

  it('a keyword sent to a number no profile claims acts on every profile, as does one sent to a short code', async () => {
    for (const to of [UNCLAIMED_NUMBER, '12345', '']) {
      const from = sender();
      expectTwiml(await twilio(twilioFields(from, 'STOP', { To: to })));
      expect(await values(from), to).toEqual(everything(ALL_PURPOSES, 'optedOut'));
    }
  });
});

describe('done when: a STOP through either provider blocks the next check on every purpose it covers; START restores', () => {
  const ENFORCED: Array<[string, string]> = [
    ['default', 'commercial'],
    ['sms-brand', 'sb-offers'],
    ['sms-brand', 'sb-news'],
    ['sms-brand', 'sb-orders'],
  ];

  /** Everything a keyword must leave alone: other channels, other numbers, tracking and topic records. */
  async function surroundings(from: string, bystander: string) {
    return {
      voice: await records(from, 'voice'),
      bystander: await records(bystander),
      kept: (await records(from)).filter((r) => r.purposeId === 'sb-tracking' || r.topicId !== undefined),
      voiceChecks: await decisions(from, ENFORCED, 'voice'),
      bystanderChecks: await decisions(bystander, ENFORCED),
    };
  }

  async function prepare(from: string, bystander: string) {
    const optIn = (contactPoint: string, channel: string, purposeId: string, topicId?: string) => ({
      channel,
      contactPoint,
      purposeId,
      ...(topicId ? { topicId } : {}),
      value: 'optedIn',
    });
    const res = await api.post('/api/consents', {
      records: [
        // The default profile's commercial purpose is restrictive on sms: opted in first.
        optIn(from, 'sms', 'commercial'),
        optIn(from, 'sms', 'sb-offers'),
        optIn(from, 'sms', 'sb-offers', 'sb-weekly'),
        optIn(from, 'sms', 'sb-tracking'),
        ...ENFORCED.map(([, purposeId]) => optIn(from, 'voice', purposeId)),
        ...ENFORCED.map(([, purposeId]) => optIn(bystander, 'sms', purposeId)),
      ],
    });
    expect(res.status, res.text).toBe(200);
    const sent = Object.fromEntries(ENFORCED.map(([, p]) => [p, 'sent']));
    expect(await decisions(from, ENFORCED)).toEqual(sent);
    return surroundings(from, bystander);
  }

  it('through Twilio, sent to a number no profile claims: a STOP every purpose of every profile, a START none', async () => {
    const [from, bystander] = [sender(), sender()];
    const before = await prepare(from, bystander);

    expectTwiml(await twilio(twilioFields(from, 'STOP')));
    expect(await decisions(from, ENFORCED)).toEqual(
      Object.fromEntries(ENFORCED.map(([, p]) => [p, 'blocked'])),
    );
    // The default transactional purpose is not enforced (disabled), yet its record is opted out too.
    expect((await values(from)).transactional).toBe('optedOut');
    expect(await surroundings(from, bystander)).toEqual(before);

    // Nobody is opted in to brands they never texted: a START to an unclaimed number changes nothing.
    expectTwiml(await twilio(twilioFields(from, 'START')));
    expect(await decisions(from, ENFORCED)).toEqual(
      Object.fromEntries(ENFORCED.map(([, p]) => [p, 'blocked'])),
    );
    expect(await values(from)).toEqual({
      ...everything(ALL_PURPOSES, 'optedOut'),
      'sb-offers/sb-weekly': 'optedIn',
      'sb-tracking': 'optedIn',
    });
    expect(await surroundings(from, bystander)).toEqual(before);
  });

  it("through ACS, sent to the brand's number: the brand's purposes only", async () => {
    const [from, bystander] = [sender(), sender()];
    const before = await prepare(from, bystander);

    const stop = await acs(
      [cloudEvent(SMS_RECEIVED, smsData(from, 'STOP', new Date().toISOString(), BRAND_NUMBER))],
      'application/cloudevents-batch+json',
    );
    expect(stop.body).toEqual({ processed: 1 });
    expect(await decisions(from, ENFORCED)).toEqual({
      commercial: 'sent',
      'sb-offers': 'blocked',
      'sb-news': 'blocked',
      'sb-orders': 'blocked',
    });
    expect((await values(from)).commercial).toBe('optedIn');
    expect(await surroundings(from, bystander)).toEqual(before);

    const start = await acs([
      eventGridEvent(SMS_RECEIVED, smsData(from, 'START', new Date().toISOString(), BRAND_NUMBER)),
    ]);
    expect(start.body).toEqual({ processed: 1 });
    expect(await decisions(from, ENFORCED)).toEqual(Object.fromEntries(ENFORCED.map(([, p]) => [p, 'sent'])));
    expect(await surroundings(from, bystander)).toEqual(before);
  });
});

describe('storage down: 503, so the provider retries, and nothing is lost', () => {
  let azurite: RunningAzurite;
  let proxy: TcpProxy;
  let faultHost: RunningHost;
  let faultApi: BoundedClient;
  let faultAnonymous: BoundedClient;

  beforeAll(async () => {
    azurite = await startAzurite({ port: 0 });
    proxy = await startTcpProxy({ host: azurite.host, port: azurite.port });
    faultHost = await startHost({
      AzureWebJobsStorage: azuriteConnectionString(proxy.host, proxy.port),
      LOCAL_FUNCTION_KEY: KEY,
      CONSENT_TABLE_PREFIX: 'smsflt',
      PROFILE_CACHE_SECONDS: '300',
      STORAGE_TIMEOUT_MS: '2000',
      STORAGE_MAX_RETRIES: '0',
      TWILIO_AUTH_TOKEN: TOKEN,
      PUBLIC_BASE_URL: PUBLIC,
    });
    faultApi = boundedClient(faultHost.url, KEY);
    faultAnonymous = boundedClient(faultHost.url, null);
    // Profiles are cached as in production: what fails below is the consent write itself.
    const warm = await twilio(twilioFields(sender(), 'STOP'), { client: faultAnonymous });
    expectTwiml(warm);
  });

  afterAll(async () => {
    await faultHost?.stop();
    await proxy?.stop();
    await azurite?.stop();
  });

  for (const mode of ['refuse', 'reset'] as const) {
    it(`answers 503 with Retry-After while storage ${mode}s connections; the retried delivery applies`, async () => {
      const [viaTwilio, viaAcs] = [sender(), sender()];
      const fields = twilioFields(viaTwilio, 'STOP');
      const delivery = [eventGridEvent(SMS_RECEIVED, smsData(viaAcs, 'STOP', new Date().toISOString()))];
      const post = () =>
        faultApi.send({ method: 'POST', path: '/api/sms/acs', body: JSON.stringify(delivery) });

      await proxy.setMode(mode);
      for (const res of [await twilio(fields, { client: faultAnonymous }), await post()]) {
        expectProblem(res, 503);
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      }
      await proxy.setMode('forward');
      for (const from of [viaTwilio, viaAcs]) expect(await records(from, 'sms', faultApi)).toEqual([]);

      // The provider retries: the STOP is applied once.
      expectTwiml(await twilio(fields, { client: faultAnonymous }));
      expect((await post()).body).toEqual({ processed: 1 });
      for (const from of [viaTwilio, viaAcs]) {
        expect((await records(from, 'sms', faultApi)).map((r) => r.value)).toEqual(['optedOut', 'optedOut']);
      }
    });
  }

  it('a STOP whose commit landed but whose answer was lost is unchanged when retried', async () => {
    const from = sender();
    const delivery = [eventGridEvent(SMS_RECEIVED, smsData(from, 'STOP', new Date().toISOString()))];
    const post = () =>
      faultApi.send({ method: 'POST', path: '/api/sms/acs', body: JSON.stringify(delivery) });
    const fired = proxy.armFault({
      direction: 'response',
      pattern: /^HTTP\/1\.1 202 /,
      nth: 1,
      mode: 'reset',
    });
    const cut = await post();
    await fired;
    expectProblem(cut, 503);
    await proxy.setMode('forward');
    expect((await post()).body).toEqual({ processed: 1 });
    const stored = await records(from, 'sms', faultApi);
    expect(stored.map((r) => r.value)).toEqual(['optedOut', 'optedOut']);
    const entries = await faultApi.get(`/api/consents/history${qs({ channel: 'sms', contactPoint: from })}`);
    expect(entries.body.entries).toHaveLength(2);
  });
});

describe('limits, at the bound and one past it', () => {
  it('a Twilio webhook body of 64 KiB is read, one byte more is 413', async () => {
    const bytes = 64 * 1024;
    const form = (padding: number) => ({ ...twilioFields(from, 'STOP'), Padding: 'x'.repeat(padding) });
    const from = sender();
    const base = new URLSearchParams(form(0)).toString().length;
    expectProblem(await twilio(form(bytes - base + 1)), 413);
    await expectNothingWritten(from);
    expectTwiml(await twilio(form(bytes - base)));
    expect(await values(from)).toEqual(everything(ALL_PURPOSES, 'optedOut'));
  });

  it('a delivery holds 1..5000 events', async () => {
    const report = (i: number) =>
      eventGridEvent('Microsoft.Communication.SMSDeliveryReportReceived', { messageId: `Outgoing_${i}` });
    const all = Array.from({ length: 5001 }, (_, i) => report(i));
    expect((await acs(all.slice(0, 5000))).body).toEqual({ processed: 0 });
    expectProblem(await acs(all), 400);
    expectProblem(await acs([]), 400);
  });

  // Last in this file: the profile it creates is one more that unclaimed numbers reach.
  it('a profile lists up to 100 numbers', async () => {
    const numbers = Array.from({ length: 101 }, (_, i) => `+1312555${String(2000 + i)}`);
    const profile = (smsNumbers: string[]) => ({
      name: 'Many numbers',
      smsNumbers,
      purposes: [{ id: 'sl-tracking', name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' }],
    });
    expectProblem(await api.put('/api/profiles/sms-limits', profile(numbers)), 400);
    const atLimit = await api.put('/api/profiles/sms-limits', profile(numbers.slice(0, 100)));
    expect(atLimit.status, atLimit.text).toBe(201);
    expect(atLimit.body.smsNumbers).toHaveLength(100);
  });
});
