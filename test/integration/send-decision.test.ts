/*
 * The whole send decision (issue 24): suppressions from the API, ACS email events and the SendGrid
 * Event Webhook; quiet times with an exact retryAt; frequency caps counted exactly across two
 * hosts; the "Ready to send" review. Two hosts over the shared Azurite, one table prefix.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { boundedClient, type BoundedClient } from '../support/bounded-client';
import { qs, uniqueEmail } from '../support/client';
import { startHost, type RunningHost } from '../support/processes';

const KEY = 'send-decision-key';
const tag = `${process.pid}${Date.now().toString(36)}`;
const P = `sd-p-${tag}`;
const CAPPED = `sd-cap-${tag}`;
const QUIET = `sd-quiet-${tag}`;
const ids = {
  offers: `sd-offers-${tag}`,
  orders: `sd-orders-${tag}`,
  track: `sd-track-${tag}`,
  capOffers: `sd-cap-offers-${tag}`,
  capOrders: `sd-cap-orders-${tag}`,
  capTrack: `sd-cap-track-${tag}`,
  quietOffers: `sd-q-offers-${tag}`,
  quietOrders: `sd-q-orders-${tag}`,
  quietTrack: `sd-q-track-${tag}`,
};
const ADDRESS = 'Contoso Ltd, 1 Main Street, Springfield';
const DAY = 86_400_000;

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SENDGRID_KEY = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

let hostA: RunningHost;
let hostB: RunningHost;
let a: BoundedClient;
let b: BoundedClient;
let anonymous: BoundedClient;

const purposes = (offers: string, orders: string, track: string) => [
  { id: offers, name: 'Offers', type: 'commercial', enforcement: 'nonRestrictive' },
  { id: orders, name: 'Orders', type: 'transactional', enforcement: 'nonRestrictive' },
  { id: track, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
];

/** A quiet rule every day from an hour ago to an hour ahead in Asia/Kolkata (no daylight saving). */
function quietAroundNow(): { rule: object; endsAt: number } {
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const local = (t: number) =>
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Kolkata',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(t);
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  return {
    rule: {
      channels: ['email'],
      purposeTypes: ['commercial'],
      days,
      from: local(minute - 3_600_000),
      to: local(minute + 3_600_000),
    },
    endsAt: minute + 3_600_000,
  };
}
const quiet = quietAroundNow();

beforeAll(async () => {
  const env = {
    AzureWebJobsStorage: inject('storageConnection'),
    LOCAL_FUNCTION_KEY: KEY,
    CONSENT_TABLE_PREFIX: 'senddecision',
    PROFILE_CACHE_SECONDS: '0',
    SENDGRID_WEBHOOK_PUBLIC_KEY: SENDGRID_KEY,
    PUBLIC_BASE_URL: 'https://consent.example.com',
  };
  [hostA, hostB] = await Promise.all([startHost(env), startHost(env)]);
  a = boundedClient(hostA.url, KEY);
  b = boundedClient(hostB.url, KEY);
  anonymous = boundedClient(hostA.url, null);
  const puts = await Promise.all([
    a.put(`/api/profiles/${P}`, {
      name: 'Send decision',
      companyAddress: ADDRESS,
      purposes: purposes(ids.offers, ids.orders, ids.track),
      frequencyCaps: { email: { day: 2, week: 3 } },
    }),
    a.put(`/api/profiles/${CAPPED}`, {
      name: 'Capped',
      purposes: purposes(ids.capOffers, ids.capOrders, ids.capTrack),
      frequencyCaps: { email: { day: 4 } },
    }),
    a.put(`/api/profiles/${QUIET}`, {
      name: 'Quiet',
      purposes: purposes(ids.quietOffers, ids.quietOrders, ids.quietTrack),
      quietTimes: { timeZone: 'Asia/Kolkata', rules: [quiet.rule] },
    }),
  ]);
  for (const put of puts) expect(put.status, put.text).toBe(201);
});

afterAll(async () => {
  await Promise.all([hostA?.stop(), hostB?.stop()]);
});

const message = (contactPoint: string, purposeId: string, extra: object = {}) => ({
  messageId: `m-${Math.random().toString(36).slice(2)}`,
  channel: 'email',
  contactPoint,
  profileId: purposeId.startsWith('sd-cap') ? CAPPED : purposeId.startsWith('sd-q') ? QUIET : P,
  purposeId,
  ...extra,
});

async function check(client: BoundedClient, messages: object[], extra: object = {}) {
  const res = await client.post('/api/check', { messages, ...extra });
  expect(res.status, res.text).toBe(200);
  return res.body.decisions as any[];
}

const suppress = (suppressions: object[]) => a.post('/api/suppressions', { suppressions });
const suppression = async (contactPoint: string) => {
  const res = await a.get(`/api/suppressions${qs({ channel: 'email', contactPoint })}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
};
const lift = (contactPoint: string) =>
  a.send({ method: 'DELETE', path: `/api/suppressions${qs({ channel: 'email', contactPoint })}` });

describe('suppressions (24.1)', () => {
  it('a hard bounce blocks every purpose for 7 days, then 14; lifting it sends again', async () => {
    const email = uniqueEmail('bounce');
    const first = await suppress([{ channel: 'email', contactPoint: email, kind: 'hardBounce' }]);
    expect(first.status, first.text).toBe(200);
    const until = Date.parse(first.body.results[0].suppressedUntil);
    expect(first.body.results[0]).toMatchObject({ index: 0, suppressed: true, kind: 'hardBounce' });
    expect(Math.abs(until - Date.now() - 7 * DAY)).toBeLessThan(60_000);

    const decisions = await check(a, [message(email, ids.offers), message(email, ids.orders)]);
    for (const d of decisions) {
      expect(d.decision).toBe('blocked');
      expect(d.reasons).toEqual(['suppressed-bounce']);
      expect(d.retryAt).toBeUndefined();
    }
    expect((await suppression(email)).events.map((e: any) => e.kind)).toEqual(['hardBounce']);

    expect((await lift(email)).status).toBe(200);
    expect((await check(a, [message(email, ids.offers)]))[0].decision).toBe('sent');
    // The second bounce lasts longer: the count survives the lift.
    const second = await suppress([
      { channel: 'email', contactPoint: email.toUpperCase(), kind: 'hardBounce' },
    ]);
    const until2 = Date.parse(second.body.results[0].suppressedUntil);
    expect(Math.abs(until2 - Date.now() - 14 * DAY)).toBeLessThan(60_000);
  });

  it('a complaint never expires and cannot be lifted (409); a manual one can', async () => {
    const email = uniqueEmail('complaint');
    const manual = uniqueEmail('manual');
    const res = await suppress([
      { channel: 'email', contactPoint: email, kind: 'complaint', detail: 'spam report' },
      { channel: 'email', contactPoint: manual, kind: 'manual' },
    ]);
    expect(res.body.results).toEqual([
      { index: 0, suppressed: true, kind: 'complaint', suppressedUntil: null },
      { index: 1, suppressed: true, kind: 'manual', suppressedUntil: null },
    ]);
    const refused = await lift(email);
    expect(refused.status, refused.text).toBe(409);
    expect((await check(a, [message(email, ids.orders)]))[0].reasons).toEqual(['suppressed-complaint']);
    expect((await check(a, [message(manual, ids.offers)]))[0].reasons).toEqual(['suppressed-manual']);
    expect((await lift(manual)).status).toBe(200);
    expect((await check(a, [message(manual, ids.offers)]))[0].decision).toBe('sent');
    // An opt-in does not lift a suppression: suppression is not consent.
    await a.post('/api/consents', {
      records: [{ channel: 'email', contactPoint: email, purposeId: ids.offers, value: 'optedIn' }],
    });
    expect((await check(a, [message(email, ids.offers)]))[0].reasons).toEqual(['suppressed-complaint']);
  });

  it('five soft bounces in a row count as a hard one; a delivery between them ends the streak', async () => {
    const email = uniqueEmail('soft');
    const soft = { channel: 'email', contactPoint: email, kind: 'softBounce' };
    const four = await suppress([soft, soft, soft, soft]);
    expect(four.body.results.every((r: any) => r.suppressed === false)).toBe(true);
    const fifth = await suppress([soft]);
    expect(fifth.body.results[0]).toMatchObject({ suppressed: true, kind: 'hardBounce' });
  });

  it('refuses a bad request whole and writes nothing', async () => {
    const email = uniqueEmail('bad');
    for (const body of [
      {
        suppressions: [
          { channel: 'email', contactPoint: email, kind: 'hardBounce' },
          { channel: 'email', contactPoint: 'not an address', kind: 'manual' },
        ],
      },
      { suppressions: [{ channel: 'email', contactPoint: email, kind: 'bounce' }] },
      { suppressions: [{ channel: 'email', contactPoint: email, kind: 'manual', extra: 1 }] },
      { suppressions: [] },
    ]) {
      const res = await a.post('/api/suppressions', body);
      expect(res.status, res.text).toBe(400);
    }
    expect(await suppression(email)).toEqual({ suppressed: false, events: [] });
  });

  it('a consent write keeps the suppression, and a suppression keeps the records', async () => {
    const email = uniqueEmail('keep');
    await suppress([{ channel: 'email', contactPoint: email, kind: 'manual' }]);
    const write = await a.post('/api/consents', {
      records: [{ channel: 'email', contactPoint: email, purposeId: ids.offers, value: 'optedOut' }],
    });
    expect(write.status, write.text).toBe(200);
    await suppress([{ channel: 'email', contactPoint: email, kind: 'hardBounce' }]);
    expect((await suppression(email)).kind).toBe('manual');
    const [d] = await check(a, [message(email, ids.offers)]);
    expect(d.reasons).toEqual(['purpose-opted-out', 'suppressed-manual']);
  });
});

const eventGrid = (
  id: string,
  data: object,
  type = 'Microsoft.Communication.EmailDeliveryReportReceived',
) => ({
  id,
  subject: 'sender/x/message/y',
  eventType: type,
  eventTime: new Date().toISOString(),
  dataVersion: '1.0',
  data,
});

describe('ACS email delivery events (24.2)', () => {
  it('answers the validation handshakes', async () => {
    const res = await a.post('/api/events/acs-email', [
      eventGrid('v', { validationCode: 'code-1' }, 'Microsoft.EventGrid.SubscriptionValidationEvent'),
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ validationResponse: 'code-1' });
    const options = await a.send({
      method: 'OPTIONS',
      path: '/api/events/acs-email',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    expect(options.status).toBe(200);
    expect(options.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  it('applies every readable event of a batch, reports the bad one, and a replay changes nothing', async () => {
    const bounced = uniqueEmail('acs-bounced');
    const failing = uniqueEmail('acs-failed');
    const at = new Date(Date.now() - 60_000).toISOString();
    const batch = [
      eventGrid(`b-${tag}`, { recipient: bounced, status: 'Bounced', deliveryAttemptTimeStamp: at }),
      eventGrid(`bad-${tag}`, { status: 'Bounced' }),
      ...[1, 2, 3, 4].map((n) => eventGrid(`f${n}-${tag}`, { recipient: failing, status: 'Failed' })),
      eventGrid(`d-${tag}`, { recipient: failing, status: 'Delivered' }),
      eventGrid(`f5-${tag}`, { recipient: failing, status: 'Failed' }),
      eventGrid(
        `o-${tag}`,
        { messageId: 'x' },
        'Microsoft.Communication.EmailEngagementTrackingReportReceived',
      ),
    ];
    const res = await a.post('/api/events/acs-email', batch);
    expect(res.status, res.text).toBe(200);
    expect(res.body.processed).toBe(7);
    expect(res.body.rejected).toHaveLength(1);
    expect(res.body.rejected[0].index).toBe(1);
    expect(res.body.rejected[0].reason).toContain('recipient');

    const view = await suppression(bounced);
    expect(view).toMatchObject({ suppressed: true, kind: 'hardBounce' });
    expect(Date.parse(view.until)).toBe(Date.parse(at) + 7 * DAY);
    // Four failures, a delivery, one failure: no streak of five.
    expect((await suppression(failing)).suppressed).toBe(false);

    // The same delivery again (Event Grid retries): nothing moves; the bounce still lasts 7 days.
    const again = await b.post('/api/events/acs-email', batch);
    expect(again.status).toBe(200);
    expect(Date.parse((await suppression(bounced)).until)).toBe(Date.parse(at) + 7 * DAY);
    expect((await suppression(bounced)).events).toHaveLength(1);
    expect((await suppression(failing)).suppressed).toBe(false);
  });
});

/** A SendGrid post as SendGrid signs it: the timestamp header followed by the raw body. */
function sendgridPost(events: object[], key = privateKey, timestamp = String(Math.floor(Date.now() / 1000))) {
  const body = `${JSON.stringify(events)}\r\n`;
  const signature = sign('sha256', Buffer.from(timestamp + body), { key, dsaEncoding: 'der' }).toString(
    'base64',
  );
  return {
    body,
    signature,
    timestamp,
    headers: {
      'content-type': 'application/json;charset=utf-8',
      'x-twilio-email-event-webhook-signature': signature,
      'x-twilio-email-event-webhook-timestamp': timestamp,
    },
  };
}

describe('SendGrid Event Webhook (24.3)', () => {
  const official = new EventWebhook();
  const officialKey = official.convertPublicKeyToECDSA(SENDGRID_KEY);

  it('refuses what the official library refuses, writes nothing, and needs no function key', async () => {
    const email = uniqueEmail('sg-refused');
    const post = sendgridPost([{ email, event: 'spamreport', sg_event_id: `r-${tag}`, timestamp: 1 }]);
    const forged = sendgridPost([{ email, event: 'spamreport' }], other.privateKey);
    const tampered = { ...post, body: post.body.replace('spamreport', 'delivered  ') };
    const p1363 = sign('sha256', Buffer.from(post.timestamp + post.body), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64');
    const cases: Array<[string, string, Record<string, string>]> = [
      ['no signature', post.body, { 'content-type': 'application/json' }],
      ['forged', forged.body, forged.headers],
      ['tampered', tampered.body, post.headers],
      ['p1363', post.body, { ...post.headers, 'x-twilio-email-event-webhook-signature': p1363 }],
      [
        'other timestamp',
        post.body,
        { ...post.headers, 'x-twilio-email-event-webhook-timestamp': String(Number(post.timestamp) - 1) },
      ],
    ];
    for (const [what, body, headers] of cases) {
      const signature = headers['x-twilio-email-event-webhook-signature'];
      if (signature) {
        let accepted: boolean;
        try {
          accepted = official.verifySignature(
            officialKey,
            body,
            signature,
            headers['x-twilio-email-event-webhook-timestamp']!,
          );
        } catch {
          accepted = false;
        }
        expect(accepted, what).toBe(false);
      }
      const res = await anonymous.send({ method: 'POST', path: '/api/events/sendgrid', body, headers });
      expect(res.status, `${what}: ${res.text}`).toBe(403);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await suppression(email)).events).toEqual([]);
  });

  it('reads a signed body of 4 MiB and refuses one byte more (413)', async () => {
    const events = JSON.stringify([{ email: uniqueEmail('sg-big'), event: 'open' }]);
    for (const [size, status] of [
      [4 * 1024 * 1024, 200],
      [4 * 1024 * 1024 + 1, 413],
    ] as const) {
      const body = events + ' '.repeat(size - Buffer.byteLength(events));
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = sign('sha256', Buffer.from(timestamp + body), {
        key: privateKey,
        dsaEncoding: 'der',
      });
      const res = await anonymous.send({
        method: 'POST',
        path: '/api/events/sendgrid',
        body,
        headers: {
          'x-twilio-email-event-webhook-signature': signature.toString('base64'),
          'x-twilio-email-event-webhook-timestamp': timestamp,
        },
      });
      expect(res.status, res.text.slice(0, 300)).toBe(status);
    }
  });

  it('applies bounces, blocks, spam reports and unsubscribes the official library accepts; replays change nothing', async () => {
    const hard = uniqueEmail('sg-hard');
    const spam = uniqueEmail('sg-spam');
    const unsub = uniqueEmail('sg-unsub');
    const seconds = Math.floor(Date.now() / 1000) - 30;
    const events = [
      {
        email: hard,
        event: 'bounce',
        type: 'bounce',
        reason: '550 5.1.1 unknown',
        sg_event_id: `h-${tag}`,
        timestamp: seconds,
      },
      { email: spam, event: 'spamreport', sg_event_id: `s-${tag}`, timestamp: seconds },
      { email: unsub, event: 'unsubscribe', sg_event_id: `u-${tag}`, timestamp: seconds, profileId: P },
      { event: 'open', sg_event_id: `bad-${tag}` },
      { email: 'no address', event: 'bounce', type: 'bounce', sg_event_id: `n-${tag}` },
      { email: hard, event: 'open', sg_event_id: `o-${tag}`, timestamp: seconds },
    ];
    const post = sendgridPost(events);
    expect(official.verifySignature(officialKey, post.body, post.signature, post.timestamp)).toBe(true);
    const res = await anonymous.send({
      method: 'POST',
      path: '/api/events/sendgrid',
      body: post.body,
      headers: post.headers,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.processed).toBe(4);
    expect(res.body.rejected.map((r: any) => r.index)).toEqual([3, 4]);

    expect(await suppression(hard)).toMatchObject({ suppressed: true, kind: 'hardBounce' });
    expect(await suppression(spam)).toMatchObject({ suppressed: true, kind: 'complaint' });
    const records = await a.get(`/api/consents${qs({ channel: 'email', contactPoint: unsub })}`);
    expect(records.body.records).toEqual([
      expect.objectContaining({ purposeId: ids.offers, value: 'optedOut', source: 'listUnsubscribe' }),
    ]);

    // Replayed: the history does not grow, the bounce does not count twice.
    const replay = await anonymous.send({
      method: 'POST',
      path: '/api/events/sendgrid',
      body: post.body,
      headers: post.headers,
    });
    expect(replay.status).toBe(200);
    expect((await suppression(hard)).events).toHaveLength(1);
    const history = await a.get(`/api/consents/history${qs({ channel: 'email', contactPoint: unsub })}`);
    expect(history.body.entries).toHaveLength(1);
  });
});

describe('quiet times (24.4)', () => {
  it('holds a commercial message in a quiet time with the exact retryAt; others go', async () => {
    const email = uniqueEmail('quiet');
    const [held, transactional, elsewhere] = await check(a, [
      message(email, ids.quietOffers),
      message(email, ids.quietOrders),
      // Twelve hours away in the recipient's zone: not quiet there.
      message(email, ids.quietOffers, { timeZone: 'America/Chicago' }),
    ]);
    expect(held).toMatchObject({ decision: 'blocked', reasons: ['quiet-time'] });
    expect(Date.parse(held.retryAt)).toBe(quiet.endsAt);
    expect(transactional.decision).toBe('sent');
    // Chicago is 10:30 or 11:30 hours behind Kolkata: two hours around now there are not quiet.
    expect(elsewhere.decision).toBe('sent');
    // A quiet time beside an opt-out: blocked for both, and no retryAt (waiting would not help).
    await a.post('/api/consents', {
      records: [{ channel: 'email', contactPoint: email, purposeId: ids.quietOffers, value: 'optedOut' }],
    });
    const [both] = await check(a, [message(email, ids.quietOffers)]);
    expect(both.reasons).toEqual(['purpose-opted-out', 'quiet-time']);
    expect(both.retryAt).toBeUndefined();
  });

  it('refuses a profile with an unknown zone, a bad time, day or date, or a cap that is no positive integer', async () => {
    const base = { name: 'Bad', purposes: purposes(`bad-o-${tag}`, `bad-r-${tag}`, `bad-t-${tag}`) };
    const rule = {
      channels: ['email'],
      purposeTypes: ['commercial'],
      days: ['mon'],
      from: '21:00',
      to: '08:00',
    };
    for (const [what, extra] of [
      ['zone', { quietTimes: { timeZone: 'Mars/Olympus', rules: [rule] } }],
      ['time', { quietTimes: { timeZone: 'UTC', rules: [{ ...rule, to: '25:00' }] } }],
      ['day', { quietTimes: { timeZone: 'UTC', rules: [{ ...rule, days: ['monday'] }] } }],
      [
        'date',
        { quietTimes: { timeZone: 'UTC', rules: [], dates: [{ from: '2026-02-30', to: '2026-03-01' }] } },
      ],
      ['zero cap', { frequencyCaps: { email: { day: 0 } } }],
      ['fraction', { frequencyCaps: { email: { week: 1.5 } } }],
      ['window', { frequencyCaps: { email: { hour: 1 } } }],
    ] as const) {
      const res = await a.put(`/api/profiles/bad-${tag}`, { ...base, ...extra });
      expect(res.status, `${what}: ${res.text}`).toBe(400);
    }
    expect((await a.get(`/api/profiles/bad-${tag}`)).status).toBe(404);
  });
});

describe('frequency caps (24.5, 24.6)', () => {
  it('counts sent commercial messages, in the batch too; dry runs, replays and transactional count nothing', async () => {
    const email = uniqueEmail('cap');
    const dry = await check(
      a,
      [message(email, ids.offers), message(email, ids.offers), message(email, ids.offers)],
      { dryRun: true },
    );
    // A dry run still sees the batch's own sends: what a real run would decide.
    expect(dry.map((d) => d.decision)).toEqual(['sent', 'sent', 'blocked']);
    const before = Date.now();
    const decided = await check(a, [
      message(email, ids.offers),
      message(email, ids.orders),
      message(email, ids.offers),
      message(email, ids.offers),
    ]);
    const counted = new Date().toISOString();
    expect(decided.map((d) => d.decision)).toEqual(['sent', 'sent', 'sent', 'blocked']);
    expect(decided[3].reasons).toEqual(['frequency-capped']);
    const retryAt = Date.parse(decided[3].retryAt);
    expect(retryAt).toBeGreaterThanOrEqual(before + DAY);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + DAY);

    const view = await a.get(
      `/api/contactability${qs({ channel: 'email', contactPoint: email, profileId: P })}`,
    );
    expect(view.body.frequencyCaps).toEqual([
      { window: 'day', limit: 2, sent: 2 },
      { window: 'week', limit: 3, sent: 2 },
    ]);
    // A replay as of a moment after those sends sees them, and counts nothing itself.
    const asOf = await check(b, [message(email, ids.offers)], { asOf: counted });
    expect(asOf[0].decision).toBe('blocked');
    // A consent write on the contact point keeps the counted sends.
    await a.post('/api/consents', {
      records: [{ channel: 'email', contactPoint: email, purposeId: ids.orders, value: 'optedIn' }],
    });
    const contactView = await a.post('/api/contact-view', {
      contactPoints: [{ channel: 'email', contactPoint: email }],
      profileId: P,
    });
    expect(contactView.status, contactView.text).toBe(200);
    expect(contactView.body.contactPoints[0].profiles[0].frequencyCaps).toEqual([
      { window: 'day', limit: 2, sent: 2 },
      { window: 'week', limit: 3, sent: 2 },
    ]);
  });

  it('never lets checks at the same time on two hosts take more than the cap', async () => {
    const email = uniqueEmail('race');
    const attempts = Array.from({ length: 12 }, (_, i) =>
      check(i % 2 === 0 ? a : b, [message(email, ids.capOffers)]),
    );
    const decisions = (await Promise.all(attempts)).flat();
    expect(decisions.filter((d) => d.decision === 'sent')).toHaveLength(4);
    for (const d of decisions.filter((x) => x.decision === 'blocked')) {
      expect(d.reasons).toEqual(['frequency-capped']);
      expect(d.retryAt).toBeDefined();
    }
  });
});

describe('ready to send (24.7)', () => {
  const review = (body: object) => a.post('/api/messages/review', body);

  it('names what a commercial email or text lacks, and nothing for a transactional one', async () => {
    const bare = await review({
      channel: 'email',
      profileId: P,
      purposeId: ids.offers,
      html: '<p>Big sale!</p><div style="display:none">Contoso Ltd, 1 Main Street, Springfield</div>',
      headers: { 'List-Unsubscribe': '<mailto:u@example.com>' },
    });
    expect(bare.status, bare.text).toBe(200);
    expect(bare.body.ready).toBe(false);
    expect(bare.body.findings.map((f: any) => f.code)).toEqual([
      'missing-company-address',
      'missing-unsubscribe-link',
      'missing-one-click-headers',
    ]);
    const ready = await review({
      channel: 'email',
      profileId: P,
      purposeId: ids.offers,
      html: '<p>Big sale!</p><footer>Contoso Ltd<br>1 Main Street<br>Springfield <a href="https://consent.example.com/api/unsubscribe/abc">Unsubscribe</a></footer>',
      headers: {
        'list-unsubscribe': '<https://consent.example.com/api/unsubscribe/abc>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    });
    expect(ready.body).toEqual({ ready: true, findings: [] });
    const text = await review({ channel: 'sms', profileId: P, purposeId: ids.offers, text: 'Sale today!' });
    expect(text.body.findings.map((f: any) => f.code)).toEqual(['missing-opt-out-instructions']);
    const stop = await review({
      channel: 'sms',
      profileId: P,
      purposeId: ids.offers,
      text: 'Sale! Reply STOP to opt out',
    });
    expect(stop.body.ready).toBe(true);
    const receipt = await review({
      channel: 'email',
      profileId: P,
      purposeId: ids.orders,
      html: '<p>Your order</p>',
    });
    expect(receipt.body).toEqual({ ready: true, findings: [] });
  });

  it('refuses HTML built only to nest, naming html, and keeps answering', async () => {
    const deep = '<div>'.repeat(100_000) + 'x' + '</div>'.repeat(100_000); // 1.1 MB, within the size limit
    const res = await review({ channel: 'email', profileId: P, purposeId: ids.offers, html: deep });
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'html', message: 'elements nest more than 1000 deep' }]);
    const next = await review({
      channel: 'email',
      profileId: P,
      purposeId: ids.orders,
      html: '<p>Order</p>',
    });
    expect(next.body).toEqual({ ready: true, findings: [] });
  });

  it('refuses an unknown profile, purpose or topic', async () => {
    for (const body of [
      { channel: 'email', profileId: `none-${tag}`, purposeId: ids.offers },
      { channel: 'email', profileId: P, purposeId: ids.capOffers },
      { channel: 'email', profileId: P, purposeId: ids.offers, topicId: 'nope' },
      { channel: 'email', profileId: P, purposeId: ids.track },
    ]) {
      const res = await review(body);
      expect(res.status, res.text).toBe(400);
    }
  });
});

describe('export and erasure (24.8)', () => {
  it('export lists the suppression events; erasure removes them', async () => {
    const email = uniqueEmail('sd-export');
    await suppress([{ channel: 'email', contactPoint: email, kind: 'hardBounce', detail: '550' }]);
    const exported = await a.post('/api/subjects/export', {
      contactPoints: [{ channel: 'email', contactPoint: email }],
    });
    expect(exported.status, exported.text).toBe(200);
    expect(exported.body.contactPoints[0].suppressions).toEqual([
      expect.objectContaining({ kind: 'hardBounce', detail: '550', source: expect.stringMatching(/^api/) }),
    ]);
    const erased = await a.post('/api/subjects/erase', {
      contactPoints: [{ channel: 'email', contactPoint: email }],
    });
    expect(erased.status, erased.text).toBe(200);
    expect((await suppression(email)).events).toEqual([]);
  });
});
