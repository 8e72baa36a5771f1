/*
 * Property-based fuzzing of every route in `operations` (routes added later are picked up by
 * themselves): bodies, queries and path parameters from random JSON, wrong types, huge strings,
 * deep nesting, unicode, lone surrogates, control characters, OData-looking and key-forbidden
 * strings, and mutations of valid requests so the fuzzer gets past the first validation layer.
 *
 * Property, for every request: a 2xx that matches the route's response schema, or a 4xx
 * application/problem+json (type/title/status/detail, no stack trace, no internal names, never
 * the key); never a 5xx; never a hang (each request has a deadline). A rejected request, and any
 * GET, writes nothing: no table appears and no entity is created or changed in any table (every
 * write sets an entity's Timestamp, so the store is asked for entities stamped since the request
 * began). A dedicated host and Azurite, so nothing else writes while this runs.
 */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { TableClient, TableServiceClient, odata } from '@azure/data-tables';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { operations, type Operation } from '../../shared/api';
import { profileGuid, purposeGuid } from '../../shared/dataverse/entities';
import { MAX_REQUEST_BYTES } from '../../shared/utils/body-bytes';
import { recordId } from '../../shared/storage/record-ids';
import { LIMITS } from '../../shared/api/common/common.schemas';
import { boundedClient, type BoundedClient, type Reply } from '../support/bounded-client';
import { startAzurite, startHost, type RunningAzurite, type RunningHost } from '../support/processes';

const KEY = 'fuzz-Key-7f3a9c';
const TWILIO_TOKEN = 'fuzz-twilio-token';
const SENDGRID = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const PUBLIC = 'https://consent.example.net';
const REQUEST_TIMEOUT_MS = 20_000;
/**
 * Runs per route: requests with a body, with a query, and the rest (path parameters, extra query).
 * `FUZZ_SCALE=10` multiplies them and `FUZZ_SEED=random` picks a new seed, for deeper runs by hand;
 * `npm test` keeps the defaults (a fixed seed, so a failure repeats).
 */
const SCALE = Math.max(1, Number(process.env.FUZZ_SCALE ?? '1') || 1);
/** A fixed seed keeps `npm test` repeatable; `FUZZ_SEED=random` (or a number) explores further by hand. */
const SEED =
  process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? '20261123');
const RUNS = { body: 90 * SCALE, query: 70 * SCALE, other: 15 * SCALE };

const ops = Object.values(operations) as Operation[];
const opKey = (op: Operation) => `${op.method} ${op.route}`;

let azurite: RunningAzurite;
let host: RunningHost;
let api: BoundedClient;
let tables: TableServiceClient;
let requests = 0;
const statuses = new Map<number, number>();

beforeAll(async () => {
  azurite = await startAzurite({ port: 0 });
  host = await startHost({
    AzureWebJobsStorage: azurite.connectionString,
    LOCAL_FUNCTION_KEY: KEY,
    CONSENT_TABLE_PREFIX: 'fuzz',
    PROFILE_CACHE_SECONDS: '0',
    TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
    SENDGRID_WEBHOOK_PUBLIC_KEY: SENDGRID.publicKey
      .export({ type: 'spki', format: 'der' })
      .toString('base64'),
    PUBLIC_BASE_URL: PUBLIC,
  });
  api = boundedClient(host.url, KEY, REQUEST_TIMEOUT_MS);
  tables = TableServiceClient.fromConnectionString(azurite.connectionString, {
    allowInsecureConnection: true,
  });
  // Purposes and topics of its own, so valid samples name real ones whatever the fuzzer does elsewhere.
  const base = await api.put('/api/profiles/fuzzbase', profileBody('fzb'));
  expect(base.status, base.text).toBe(201);
  // A real link for the token pages (this also provisions the generated signing key).
  const links = await api.post('/api/links', {
    links: [{ channel: 'email', contactPoint: EMAIL, profileId: 'fuzzbase', purposeId: 'fzb-commercial' }],
  });
  expect(links.status, links.text).toBe(200);
  linkToken = links.body.links[0].unsubscribeUrl.split('/').pop();
  // What the preference page shows, as its form carries it back.
  const page = await api.send({ method: 'GET', path: `/api/preferences/${linkToken}` });
  shownChoices = /name="shown" value="([^"]*)"/.exec(page.text)![1]!;
  const confirmation = await api.post('/api/consents/confirmations', {
    channel: 'email',
    contactPoint: EMAIL,
    profileId: 'fuzzbase',
    purposeId: 'fzb-commercial',
    topicId: 'fzb-deals',
  });
  expect(confirmation.status, confirmation.text).toBe(202);
  confirmToken = confirmation.body.confirmUrl.split('/').pop();
  // The row the Dataverse samples update.
  const row = await api.post('/api/consents', {
    channel: 'email',
    contactPoint: EMAIL,
    purposeId: 'fzb-commercial',
    value: 'optedIn',
  });
  expect(row.status, row.text).toBe(200);
});

afterAll(async () => {
  console.info(
    `[fuzz] ${requests} requests fuzzed over ${ops.length} routes; statuses ` +
      JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b))),
  );
  await host?.stop();
  await azurite?.stop();
});

// ---------------------------------------------------------------------------------------------
// Valid samples, per route. Routes without one get a sample derived from their zod schema.

function profileBody(prefix: string) {
  return {
    name: `Fuzz ${prefix}`,
    companyAddress: '1 Main St',
    preferenceCenterUrl: 'https://example.com/preferences',
    purposes: [
      {
        id: `${prefix}-commercial`,
        name: 'Commercial',
        type: 'commercial',
        enforcement: {
          email: 'nonRestrictive',
          sms: 'restrictive',
          voice: 'restrictive',
          custom: 'restrictive',
        },
        topics: [
          { id: `${prefix}-news`, name: 'News' },
          { id: `${prefix}-deals`, name: 'Deals' },
        ],
      },
      {
        id: `${prefix}-transactional`,
        name: 'Transactional',
        type: 'transactional',
        enforcement: 'disabled',
      },
      { id: `${prefix}-tracking`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  };
}

interface Sample {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}

const EMAIL = 'fuzz.valid@example.com';
let linkToken = '';
let shownChoices = '';
let confirmToken = '';
const contactQuery = {
  channel: 'email',
  contactPoint: EMAIL,
  profileId: 'fuzzbase',
  audience: 'contact',
  doNotEmail: 'false',
  doNotBulkEmail: 'false',
  doNotTrack: 'true',
};

const SAMPLES: Record<string, () => Sample> = {
  'GET profiles/{profileId}': () => ({ params: { profileId: 'fuzzbase' } }),
  'PUT profiles/{profileId}': () => ({ params: { profileId: 'fuzzput' }, body: profileBody('fzp') }),
  'PUT settings': () => ({ body: { checkContactConsent: true } }),
  'POST consents': () => ({
    body: {
      records: [
        {
          channel: 'email',
          contactPoint: EMAIL,
          purposeId: 'fzb-commercial',
          topicId: 'fzb-news',
          value: 'optedIn',
          source: 'form',
          reason: 'optInLandingPage',
          reasonDescription: 'signed up',
          status: 'active',
          owner: 'user-42',
          capturedAt: '2026-01-01T10:00:00Z',
        },
        { channel: 'sms', contactPoint: '+14255550100', purposeId: 'fzb-commercial', value: 'optedOut' },
        { channel: 'custom', contactPoint: 'device-1', purposeId: 'fzb-tracking', value: 'notSet' },
      ],
    },
  }),
  'GET consents': () => ({ query: { channel: 'email', contactPoint: EMAIL } }),
  'GET consents/history': () => ({
    query: {
      channel: 'email',
      contactPoint: EMAIL,
      purposeId: 'fzb-commercial',
      topicId: 'fzb-news',
      limit: '10',
    },
  }),
  'POST check': () => ({
    body: {
      messages: [
        {
          messageId: 'm-1',
          channel: 'email',
          contactPoint: EMAIL,
          profileId: 'fuzzbase',
          purposeId: 'fzb-commercial',
          topicId: 'fzb-news',
          audience: 'contact',
          contact: { doNotEmail: false, doNotBulkEmail: false, doNotTrack: false },
        },
        {
          messageId: 'm-2',
          channel: 'sms',
          contactPoint: '+14255550100',
          profileId: 'default',
          purposeId: 'commercial',
        },
      ],
    },
  }),
  'GET contactability': () => ({ query: { ...contactQuery } }),
  'GET subscription-center': () => ({
    query: { profileId: 'fuzzbase', contactPoints: `${EMAIL},other@example.com`, doNotEmail: 'false' },
  }),
  'POST subscription-center': () => ({
    body: {
      profileId: 'fuzzbase',
      contactPoints: [EMAIL, 'other@example.com'],
      doNotEmail: false,
      doNotBulkEmail: true,
      doNotTrack: false,
    },
  }),
  'GET preference-center': () => ({ query: { ...contactQuery } }),
  'POST preference-center': () => ({
    body: {
      profileId: 'fuzzbase',
      channel: 'email',
      contactPoint: EMAIL,
      choices: [
        { purposeId: 'fzb-commercial', value: 'optedIn' },
        { purposeId: 'fzb-commercial', topicId: 'fzb-news', value: 'optedOut' },
      ],
    },
  }),
  'POST links': () => ({
    body: {
      links: [
        {
          channel: 'email',
          contactPoint: EMAIL,
          profileId: 'fuzzbase',
          purposeId: 'fzb-commercial',
          topicId: 'fzb-news',
          expiresAt: '2030-01-01T00:00:00Z',
        },
        { channel: 'sms', contactPoint: '+14255550100', profileId: 'fuzzbase' },
      ],
    },
  }),
  'GET unsubscribe/{token}': () => ({ params: { token: linkToken } }),
  'POST unsubscribe/{token}': () => ({
    params: { token: linkToken },
    body: { 'List-Unsubscribe': 'One-Click' },
  }),
  'GET preferences/{token}': () => ({ params: { token: linkToken } }),
  'POST preferences/{token}': () => ({
    params: { token: linkToken },
    body: { shown: shownChoices, 'purpose:fzb-commercial': 'on', 'topic:fzb-news': 'on', tracking: 'on' },
  }),
  'POST consents/confirmations': () => ({
    body: {
      channel: 'email',
      contactPoint: EMAIL,
      profileId: 'fuzzbase',
      purposeId: 'fzb-commercial',
      topicId: 'fzb-news',
      source: 'form',
      reason: 'optInLandingPage',
      reasonDescription: 'signed up',
      expiresAt: '2030-01-01T00:00:00Z',
    },
  }),
  'GET confirm/{token}': () => ({ params: { token: confirmToken } }),
  'POST confirm/{token}': () => ({ params: { token: confirmToken }, body: { confirm: 'yes' } }),
  'GET assets/{*path}': () => ({ params: { path: 'pages.css' } }),
  'GET data/v9.2/{*path}': () => ({
    params: { path: 'msdynmkt_contactpointconsent4s' },
    query: {
      $filter: `msdynmkt_contactpointvalue eq '${EMAIL}' and _msdynmkt_purposeid_value eq ${purposeGuid({ id: 'fzb-commercial' })} and msdynmkt_contactpointtype eq 534120000`,
      $select: 'msdynmkt_value,modifiedon',
      $top: '5',
    },
  }),
  'POST data/v9.2/{*path}': () => ({
    params: { path: 'msdynmkt_contactpointconsent4s' },
    body: {
      msdynmkt_contactpointvalue: EMAIL,
      msdynmkt_contactpointtype: 534120000,
      msdynmkt_contactpointconsenttype: 534120000,
      msdynmkt_value: 534120001,
      'msdynmkt_purposeId@odata.bind': `/msdynmkt_purposes(${purposeGuid({ id: 'fzb-commercial' })})`,
      msdynmkt_source: 534120000,
      msdynmkt_logicalreason: 534119999,
      msdynmkt_reason: 'fuzz',
    },
  }),
  'PATCH data/v9.2/{*path}': () => ({
    params: { path: `msdynmkt_contactpointconsent4s(${recordId('email', EMAIL, 'fzb-commercial')})` },
    body: { msdynmkt_value: 534120002, msdynmkt_reason: 'fuzz', statecode: 0, statuscode: 1 },
  }),
  'DELETE data/v9.2/{*path}': () => ({
    params: { path: `msdynmkt_contactpointconsent4s(${recordId('email', EMAIL, 'fzb-commercial')})` },
  }),
  'POST sms/twilio': () => ({
    body: {
      ToCountry: 'US',
      SmsMessageSid: 'SM0123',
      NumMedia: '0',
      Body: 'STOP',
      To: '+18885550100',
      MessageSid: 'SM0123',
      AccountSid: 'AC0123',
      From: '+14255550100',
      OptOutType: 'STOP',
      ApiVersion: '2010-04-01',
    },
  }),
  'POST sms/acs': () => ({
    body: [
      {
        id: 'e-1',
        topic: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/a',
        subject: '/phonenumber/18885550100',
        eventType: 'Microsoft.Communication.SMSReceived',
        eventTime: '2026-01-01T00:00:00Z',
        dataVersion: '1.0',
        metadataVersion: '1',
        data: {
          messageId: 'Incoming_1',
          from: '+14255550100',
          to: '+18885550100',
          message: 'START',
          receivedTimestamp: '2026-01-01T00:00:00.1234567Z',
          segmentCount: 1,
        },
      },
      {
        id: 'e-2',
        subject: '/phonenumber/18885550100',
        eventType: 'Microsoft.Communication.SMSDeliveryReportReceived',
        eventTime: '2026-01-01T00:00:00Z',
        data: { messageId: 'Outgoing_1', deliveryStatus: 'Delivered' },
      },
    ],
  }),
  'OPTIONS sms/acs': () => ({ headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } }),
  'POST suppressions': () => ({
    body: {
      suppressions: [
        { channel: 'email', contactPoint: 'fuzz.bounce@example.com', kind: 'softBounce', detail: '4.2.2' },
      ],
    },
  }),
  'GET suppressions': () => ({ query: { channel: 'email', contactPoint: EMAIL } }),
  'DELETE suppressions': () => ({ query: { channel: 'email', contactPoint: 'fuzz.bounce@example.com' } }),
  'POST events/acs-email': () => ({
    body: [
      {
        id: 'ae-1',
        subject: 'sender/s/message/m',
        eventType: 'Microsoft.Communication.EmailDeliveryReportReceived',
        eventTime: '2026-01-01T00:00:00Z',
        data: {
          sender: 'news@example.com',
          recipient: 'fuzz.bounce@example.com',
          messageId: 'm',
          status: 'Delivered',
          deliveryAttemptTimeStamp: '2026-01-01T00:00:00Z',
        },
      },
    ],
  }),
  'OPTIONS events/acs-email': () => ({ headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } }),
  'POST events/sendgrid': () => ({
    body: [
      { email: 'fuzz.bounce@example.com', event: 'delivered', sg_event_id: 'sg-1', timestamp: 1767225600 },
    ],
  }),
  'POST mcp': () => ({
    headers: { accept: 'application/json, text/event-stream' },
    body: {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'check_consent',
        arguments: {
          channel: 'email',
          contactPoint: EMAIL,
          profileId: 'fuzzbase',
          purposeId: 'fzb-commercial',
        },
      },
    },
  }),
  'POST cij/consent-check': () => ({
    body: {
      contactpoints: [EMAIL],
      purpose: { Id: purposeGuid({ id: 'fzb-commercial' }), LogicalName: 'msdynmkt_purpose' },
      channeltype: 'email',
      complianceprofile: { Id: profileGuid({ id: 'fuzzbase' }), LogicalName: 'msdynmkt_compliancesettings4' },
      unsubscribeurlrequired: true,
    },
  }),
  'PUT webhooks/{id}': () => ({
    params: { id: 'fuzz-hook' },
    body: { url: 'https://8.8.8.8/hook', filter: { channels: ['email'] }, enabled: false },
  }),
  'GET webhooks/{id}': () => ({ params: { id: 'fuzz-hook' } }),
  'POST webhooks/{id}/replay': () => ({ params: { id: 'fuzz-hook' } }),
  'GET stats': () => ({
    query: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', granularity: 'hour' },
  }),
  'POST messages/review': () => ({
    body: {
      channel: 'email',
      profileId: 'fuzzbase',
      purposeId: 'fzb-commercial',
      html: '<p>Hello</p>',
      headers: { 'List-Unsubscribe': '<https://consent.example.net/api/unsubscribe/x>' },
    },
  }),
  // Its own address: an erasure would leave the others' records gone.
  'POST subjects/erase': () => ({
    body: { contactPoints: [{ channel: 'email', contactPoint: 'fuzz.erase@example.com' }], reason: 'fuzz' },
  }),
  'POST subjects/export': () => ({
    body: { contactPoints: [{ channel: 'email', contactPoint: EMAIL }] },
  }),
  'GET subjects/audit': () => ({ query: { since: '2026-01-01T00:00:00Z', limit: '10' } }),
  'POST consents/load': () => ({
    body: {
      profileId: 'fuzzbase',
      purposeId: 'fzb-commercial',
      from: 'list',
      value: 'optedIn',
      members: [{ email: EMAIL, doNotEmail: false, doNotBulkEmail: false, doNotTrack: false }],
    },
  }),
};

/** Values for fields by name, when a sample has to be derived from a schema. */
const HINTS: Record<string, unknown> = {
  channel: 'email',
  contactPoint: EMAIL,
  email: EMAIL,
  contactPoints: [EMAIL],
  profileId: 'fuzzbase',
  purposeId: 'fzb-commercial',
  topicId: 'fzb-news',
  messageId: 'm-1',
  value: 'optedIn',
};

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minItems?: number;
  minLength?: number;
  minimum?: number;
  default?: unknown;
  format?: string;
};

function deriveFromJsonSchema(schema: JsonSchema, name = ''): unknown {
  if (name in HINTS) return HINTS[name];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const alternative = schema.anyOf?.[0] ?? schema.oneOf?.[0] ?? schema.allOf?.[0];
  if (alternative) return deriveFromJsonSchema(alternative, name);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {})
          .filter(([key]) => (schema.required ?? []).includes(key) || key in HINTS)
          .map(([key, property]) => [key, deriveFromJsonSchema(property, key)]),
      );
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () =>
        deriveFromJsonSchema(schema.items ?? {}, name),
      );
    case 'boolean':
      return false;
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1);
    case 'string':
      return schema.format === 'date-time'
        ? '2026-01-01T00:00:00Z'
        : 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return schema.default ?? null;
  }
}

function derive(schema: z.ZodType | undefined): any {
  if (!schema) return undefined;
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return deriveFromJsonSchema(json);
}

function sampleOf(op: Operation): Sample & { derived: boolean } {
  const known = SAMPLES[opKey(op)];
  if (known) return { ...known(), derived: false };
  const params = derive(op.params) as Record<string, string> | undefined;
  const query = derive(op.query) as Record<string, unknown> | undefined;
  return {
    derived: true,
    ...(params ? { params } : {}),
    ...(query ? { query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) } : {}),
    ...(op.body ? { body: derive(op.body) } : {}),
  };
}

/** Routes that take a form, not JSON: the sample body's fields are sent form-encoded. */
const FORM_ROUTES = new Set(['POST sms/twilio', 'POST unsubscribe/{token}', 'POST preferences/{token}']);
/** Routes authenticated by a Twilio signature: most requests are signed, so fuzzing gets past it. */
const TWILIO_SIGNED = new Set(['POST sms/twilio']);

function formEncode(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return serialize(value);
  const form = new URLSearchParams();
  for (const [name, field] of Object.entries(value)) {
    form.append(name, typeof field === 'string' ? field : serialize(field));
  }
  const text = form.toString();
  const cut = Math.floor(1.2 * MAX_REQUEST_BYTES);
  return text.length > cut ? text.slice(0, cut) : text;
}

function encodeBody(op: Operation, value: unknown): string {
  return FORM_ROUTES.has(opKey(op)) ? formEncode(value) : serialize(value);
}

/** X-Twilio-Signature as Twilio computes it, over the parameters the service will parse. */
function twilioSignature(path: string, body: string | Uint8Array | undefined): string {
  const text = body === undefined ? '' : typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const pairs = [...new Map([...new URLSearchParams(text)].map((p) => [JSON.stringify(p), p])).values()];
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return createHmac('sha1', TWILIO_TOKEN)
    .update(PUBLIC + path + pairs.map(([n, v]) => n + v).join(''))
    .digest('base64');
}

/** Headers a route needs besides the body: its sample's, and a signature where it takes one. */
function requiredHeaders(
  op: Operation,
  sample: Sample,
  path: string,
  body: string | Uint8Array | undefined,
): Record<string, string> {
  return {
    ...sample.headers,
    ...(TWILIO_SIGNED.has(opKey(op)) ? { 'x-twilio-signature': twilioSignature(path, body) } : {}),
    ...(opKey(op) === 'POST events/sendgrid' ? sendgridSignature(body) : {}),
  };
}

/** The SendGrid Event Webhook's signature headers over the raw body, so fuzzing gets past them. */
function sendgridSignature(body: string | Uint8Array | undefined): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signed = Buffer.concat([Buffer.from(timestamp), Buffer.from(body ?? '')]);
  return {
    'x-twilio-email-event-webhook-signature': sign('sha256', signed, {
      key: SENDGRID.privateKey,
      dsaEncoding: 'der',
    }).toString('base64'),
    'x-twilio-email-event-webhook-timestamp': timestamp,
  };
}

// ---------------------------------------------------------------------------------------------
// Arbitraries.

const NASTY = [
  '',
  ' ',
  '\t\r\n',
  "' or PartitionKey ne '",
  "' or 1 eq 1 or '",
  "') or (PartitionKey ne '",
  "PartitionKey eq 'e' and RowKey ne ''",
  '$filter=true',
  'a/b\\c#d?e',
  'a/b#c?d@example.com',
  'x\\y@example.com',
  '/',
  '\\',
  '#',
  '?',
  '%',
  '%00',
  '%2F',
  '../..',
  '\u0000',
  'a\u0000b@example.com',
  '\u0007\u001b[31m\u007f',
  '\r\nx-injected: 1',
  '\ud800',
  '\udfff',
  'x\ud800@example.com',
  '\udbff\udfff',
  '\ufeff',
  '\u202e',
  '\u200b@example.com',
  '𝕏😀@example.com',
  'İ@EXAMPLE.COM',
  'ß',
  'ﬁ',
  'null',
  'undefined',
  'NaN',
  'true',
  '-1',
  '0',
  '1.5',
  '1e309',
  '0x10',
  'Infinity',
  '9007199254740993',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '{{7*7}}',
  'email',
  'sms',
  'custom',
  'optedIn',
  'default',
  'commercial',
  'fzb-tracking',
  'fzb-news',
  '+14255550100',
  '4255550100',
  '+1 (425) 555-0100 ext. 1',
  '0'.repeat(70),
  'alice@example.com',
  ' ALICE@Example.COM ',
  'a@b',
  '@example.com',
  'a@',
  'a@@b.com',
  '"quoted"@example.com',
  'a..b@example.com',
  'user@[127.0.0.1]',
  'üñí@例え.テスト',
  'h0000000000000001',
  Buffer.from('h0000000000000001').toString('base64url'),
  Buffer.from("h' or ''='").toString('base64url'),
  '2026-02-30T00:00:00Z',
  '0000-01-01T00:00:00+23:59',
  '9999-12-31T23:59:59-23:59',
  '2026-01-01T00:00:00.123456789Z',
  `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}`,
  `${'é'.repeat(40)}@example.com`,
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const control = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));
const forbidden = fc.constantFrom('/', '\\', '#', '?', "'", '"', '%', '!', '~', '@', ',', '&', '=', '+');
const nastyUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: control },
  { weight: 2, arbitrary: forbidden },
);

/** Strings of every kind, from empty to far beyond every length limit. */
function adversarialString(maxHuge: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 3, arbitrary: fc.string({ unit: nastyUnit, maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.string({ unit: nastyUnit, maxLength: 10 }), fc.string({ unit: nastyUnit, maxLength: 10 }))
        .map(([local, domain]) => `${local}@${domain}.example.com`),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            ...Object.values(LIMITS).filter((n) => n < 5000),
            254,
            255,
            512,
            513,
            2048,
            2049,
            MAX_REQUEST_BYTES / 64,
          ),
          fc.constantFrom(-1, 0, 1),
          fc.constantFrom('x', 'é', '😀', '\u0000', '/'),
        )
        .map(([n, delta, unit]) => unit.repeat(Math.max(0, n + delta))),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: Math.min(1000, maxHuge), max: maxHuge }).map((n) => 'x'.repeat(n)),
    },
  );
}

const DEEP = (depth: number) => `\u0000DEEP${depth}\u0000`;
/**
 * JSON text, with deep-nesting markers expanded (built as text: no recursion on our side). Past
 * the body limit only the size matters (413), so longer text is cut: the host closes the
 * connection on bodies far beyond the limit (over 4x) instead of reading them.
 */
function serialize(value: unknown): string {
  const cut = Math.floor(1.2 * MAX_REQUEST_BYTES); // still over the limit, under 4x it in UTF-8
  let json: string;
  try {
    json = JSON.stringify(value) ?? '';
  } catch {
    // Mutations can multiply huge strings past what one JS string holds: only the size matters then.
    return 'x'.repeat(cut);
  }
  const text = json.replace(/"\\u0000DEEP(\d+)\\u0000"/g, (_, n: string) => {
    const depth = Number(n);
    return '['.repeat(depth) + ']'.repeat(depth);
  });
  return text.length > cut ? text.slice(0, cut) : text;
}

const adversarialValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: adversarialString(300_000) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null, 0, -1, 1e308, [], {}) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(DEEP(64), DEEP(5000), DEEP(50_000)) },
);

type Path = Array<string | number>;

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) {
    return [...(prefix.length ? [prefix] : []), ...value.flatMap((item, i) => pathsOf(item, [...prefix, i]))];
  }
  if (typeof value === 'object' && value !== null) {
    return [
      ...(prefix.length ? [prefix] : []),
      ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k])),
    ];
  }
  return prefix.length ? [prefix] : [];
}

type Mutation =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'extra'; at: number; name: string; value: unknown }
  | { kind: 'resize'; at: number; length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: adversarialValue }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('extra' as const),
      at: fc.nat(),
      name: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'records', 'id', '$filter'), fc.string()),
      value: adversarialValue,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('resize' as const),
      at: fc.nat(),
      length: fc.constantFrom(0, 2, 20, 21, 50, 51, 100, 101, 1000, 1001, 10_000, 10_001),
    }),
  },
);

function mutate(sample: unknown, mutations: readonly Mutation[]): unknown {
  let value = structuredClone(sample);
  for (const m of mutations) {
    const paths = pathsOf(value);
    if (m.kind === 'resize') {
      const arrays = [[] as Path, ...paths].filter((p) => Array.isArray(get(value, p)));
      if (arrays.length === 0) continue;
      const at = arrays[m.at % arrays.length]!;
      const array = get(value, at) as unknown[];
      // Past the body limit (413) the length does not matter; keep what is sent below twice that.
      const each = serialize(array[0] ?? null).length + 1;
      const length = Math.min(m.length, Math.max(1, Math.floor((2 * MAX_REQUEST_BYTES) / each)));
      const grown = Array.from({ length }, (_, i) => structuredClone(array[i % Math.max(1, array.length)]));
      value = set(value, at, array.length === 0 ? [] : grown);
      continue;
    }
    if (m.kind === 'extra') {
      const objects = [[] as Path, ...paths].filter((p) => {
        const v = get(value, p);
        return typeof v === 'object' && v !== null && !Array.isArray(v);
      });
      if (objects.length === 0) continue;
      const at = objects[m.at % objects.length]!;
      const target = get(value, at) as Record<string, unknown>;
      Object.defineProperty(target, m.name, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      continue;
    }
    if (paths.length === 0) {
      value = m.kind === 'replace' ? m.value : undefined;
      continue;
    }
    const at = paths[m.at % paths.length]!;
    value = m.kind === 'replace' ? set(value, at, m.value) : remove(value, at);
  }
  return value;
}

function get(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (v as any)?.[k], value);
}

function set(value: unknown, path: Path, next: unknown): unknown {
  if (path.length === 0) return next;
  const parent = get(value, path.slice(0, -1)) as any;
  parent[path[path.length - 1]!] = next;
  return value;
}

function remove(value: unknown, path: Path): unknown {
  const parent = get(value, path.slice(0, -1)) as any;
  const last = path[path.length - 1]!;
  if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
  else delete parent[last];
  return value;
}

/** Bodies that are not what a JSON serializer would write. */
const RAW_BODIES: Array<string | Uint8Array> = [
  '',
  ' ',
  'null',
  'true',
  '0',
  '"text"',
  '[]',
  '{}',
  '{',
  '{"records": [',
  '{"a":1,"a":2}',
  '\ufeff{}',
  '{"x": 1e999999}',
  '{"x": "\\ud800"}',
  '{"x": "\\u0000"}',
  '{"__proto__": {"records": [{}]}, "constructor": {"prototype": {}}}',
  '['.repeat(5000) + ']'.repeat(5000),
  '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
  '['.repeat(1_000_000) + ']'.repeat(1_000_000),
  '['.repeat(100_000),
  Uint8Array.from([0xff, 0xfe, 0x7b, 0x7d]),
  Uint8Array.from([0x7b, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
  Uint8Array.from([0x7b, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]),
  Uint8Array.from([0x00, 0x00, 0x00, 0x7b]),
];

const CONTENT_TYPES = [
  'application/json',
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'application/json; charset=utf-8',
  'application/problem+json',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  '',
];

/** Header values fetch will send as they are: visible latin-1, no line breaks. */
const actorHeader = fc.oneof(
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 300,
  }),
  fc.constantFrom("' or PartitionKey ne '", 'a'.repeat(256), 'a'.repeat(257), 'ÿþ', 'x\u00a0y'),
);

/** Percent-encoding that keeps lone surrogates (as their WTF-8 bytes) instead of throwing. */
function percentEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        out += encodeURIComponent(text.slice(i, i + 2));
        i++;
        continue;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(text[i]!);
  }
  return out;
}

interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  body?: string | Uint8Array;
  headers: Record<string, string>;
}

function buildPath(
  op: Operation,
  params: Record<string, string> | undefined,
  query: Array<[string, string]>,
) {
  const path = op.route.replace(/\{\*?(\w+)[^}]*\}/g, (_, name: string) =>
    percentEncode(params?.[name] ?? 'x'),
  );
  const search = query.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
  return `/api/${path}${search ? `?${search}` : ''}`;
}

/** Every request the fuzzer sends to one route. */
function requestsFor(op: Operation): fc.Arbitrary<FuzzRequest> {
  const sample = sampleOf(op);
  const validQuery = Object.entries(sample.query ?? {});

  const params: fc.Arbitrary<Record<string, string> | undefined> = sample.params
    ? fc.oneof(
        { weight: 4, arbitrary: fc.constant(sample.params) },
        {
          weight: 1,
          arbitrary: fc.tuple(fc.nat(), adversarialString(2000)).map(([at, value]) => {
            const names = Object.keys(sample.params!);
            return { ...sample.params, [names[at % names.length]!]: value };
          }),
        },
      )
    : fc.constant(undefined);

  const queryMutation = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('replace' as const),
        at: fc.nat(),
        value: adversarialString(40_000),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('repeat' as const),
        at: fc.nat(),
        value: adversarialString(100),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('extra' as const),
        name: fc.oneof(
          fc.constantFrom('code', '__proto__', 'constructor', '$filter', 'limit'),
          adversarialString(50),
        ),
        value: adversarialString(100),
      }),
    },
  );
  const query: fc.Arbitrary<Array<[string, string]>> = fc.oneof(
    { weight: 1, arbitrary: fc.constant(validQuery) },
    {
      weight: validQuery.length > 0 ? 6 : 1,
      arbitrary: fc.array(queryMutation, { minLength: 1, maxLength: 3 }).map((mutations) => {
        let pairs: Array<[string, string]> = validQuery.map(([k, v]) => [k, v]);
        for (const m of mutations) {
          if (m.kind === 'extra') pairs.push([m.name, m.value]);
          else if (pairs.length === 0) continue;
          else if (m.kind === 'replace') pairs[m.at % pairs.length]![1] = m.value;
          else if (m.kind === 'delete') pairs = pairs.filter((_, i) => i !== m.at % pairs.length);
          else pairs.push([pairs[m.at % pairs.length]![0], m.value]);
        }
        return pairs;
      }),
    },
    {
      weight: 1,
      arbitrary: fc.array(fc.tuple(adversarialString(100), adversarialString(1000)), { maxLength: 5 }),
    },
  );

  const hasBody = op.method !== 'GET';
  const body: fc.Arbitrary<{ kind: string; text?: string | Uint8Array }> = hasBody
    ? fc.oneof(
        { weight: 1, arbitrary: fc.constant({ kind: 'valid', text: encodeBody(op, sample.body) }) },
        {
          weight: 8,
          arbitrary: fc
            .array(mutation, { minLength: 1, maxLength: 3 })
            .map((ms) => ({ kind: 'mutated', text: encodeBody(op, mutate(sample.body, ms)) })),
        },
        { weight: 2, arbitrary: fc.jsonValue().map((v) => ({ kind: 'json', text: encodeBody(op, v) })) },
        {
          weight: 1,
          arbitrary: fc
            .array(
              fc.tuple(
                fc.constantFrom(...Object.keys((sample.body as object) ?? {}), 'records'),
                adversarialValue,
              ),
              {
                maxLength: 6,
              },
            )
            .map((fields) => ({ kind: 'wrong-types', text: encodeBody(op, Object.fromEntries(fields)) })),
        },
        { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES).map((text) => ({ kind: 'raw', text })) },
      )
    : // fetch sends no body with a GET.
      fc.constant({ kind: 'none' });

  const contentType = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...Object.keys(op.mediaTypes ?? { 'application/json': 0 })) },
    { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  );
  // A route's own headers: mostly as its sample has them, sometimes absent or anything else.
  const sampleHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
    Object.fromEntries(
      Object.entries(sample.headers ?? {}).map(([name, value]) => [
        name,
        fc.oneof(
          { weight: 3, arbitrary: fc.constant(value) },
          { weight: 1, arbitrary: fc.constant(undefined) },
          { weight: 2, arbitrary: actorHeader },
        ),
      ]),
    ),
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, string>>;
  const signature = fc.constantFrom('valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'none', 'wrong');

  return fc
    .record({
      params,
      query:
        op.query || sample.query
          ? query
          : fc.oneof(
              { weight: 3, arbitrary: fc.constant<Array<[string, string]>>([]) },
              { weight: 1, arbitrary: query },
            ),
      body,
      contentType,
      actor: fc.option(actorHeader, { freq: 5 }),
      own: sampleHeaders,
      signed: signature,
    })
    .map(({ params: p, query: q, body: b, contentType: type, actor, own, signed }) => {
      const path = buildPath(op, p, q);
      const twilio = TWILIO_SIGNED.has(opKey(op));
      const request: FuzzRequest = {
        kind: `${b.kind}${p !== sample.params ? '+params' : ''}${twilio ? `+${signed}-signature` : ''}`,
        method: op.method,
        path,
        ...(b.text !== undefined ? { body: b.text } : {}),
        headers: {
          ...(b.text !== undefined && type !== '' ? { 'content-type': type } : {}),
          ...(actor !== null ? { 'x-consent-actor': actor } : {}),
          ...Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)),
          ...(twilio && signed !== 'none'
            ? {
                'x-twilio-signature':
                  signed === 'valid' ? twilioSignature(path, b.text) : 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
              }
            : {}),
        },
      };
      // fast-check prints counterexamples with this: keep huge bodies and paths readable.
      Object.defineProperty(request, fc.toStringMethod, { value: () => describeRequest(request) });
      return request;
    });
}

// ---------------------------------------------------------------------------------------------
// The property.

const INTERNALS =
  /\n\s+at |\bat [\w.<>$]+ \(|node_modules|\/work\/|\bdist\/|\.[jt]s:\d+|RestError|TableClient|TableServiceClient|devstoreaccount1|PartitionKey|RowKey|odata|ZodError|TypeError|RangeError|ReferenceError|SyntaxError|Cannot read propert|is not a function|ECONN|EPIPE|\[object Object\]/i;

/** Tables and entities written since `since`: any means the request wrote something. */
async function writesSince(since: Date, known: ReadonlySet<string>): Promise<string[]> {
  const found: string[] = [];
  const names: string[] = [];
  for await (const table of tables.listTables()) names.push(table.name!);
  for (const name of names) {
    // The activity counters are stored by a timer, at most once a minute, whatever the request.
    if (name.endsWith('Stats')) continue;
    if (!known.has(name)) found.push(`new table ${name}`);
    const client = TableClient.fromConnectionString(azurite.connectionString, name, {
      allowInsecureConnection: true,
    });
    const changed = client.listEntities({
      queryOptions: { filter: odata`Timestamp ge ${since}`, select: ['PartitionKey', 'RowKey'] },
    });
    for await (const entity of changed) {
      // Timers write on their own schedule, not for a request: the relay's state and dead letters.
      if (
        name.endsWith('Webhooks') &&
        (entity.partitionKey === 'relay' || entity.partitionKey!.startsWith('dead:'))
      )
        continue;
      found.push(`${name} ${entity.partitionKey} ${entity.rowKey}`);
    }
  }
  return found;
}

async function tableNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const table of tables.listTables()) names.add(table.name!);
  return names;
}

function describeRequest(req: FuzzRequest): string {
  const body =
    req.body === undefined
      ? ''
      : typeof req.body === 'string'
        ? req.body.slice(0, 300) + (req.body.length > 300 ? `… (${req.body.length} chars)` : '')
        : `bytes ${Buffer.from(req.body).toString('hex').slice(0, 100)}`;
  return `${req.method} ${req.path.slice(0, 300)} [${req.kind}] ${JSON.stringify(req.headers).slice(0, 200)} ${body}`;
}

function checkProblem(res: Reply, what: string) {
  expect(res.headers.get('content-type') ?? '(no content-type)', what).toMatch(/^application\/problem\+json/);
  const problem = res.body;
  expect(problem, what).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status: res.status,
    detail: expect.any(String),
  });
  if (problem.errors !== undefined) {
    expect(Array.isArray(problem.errors), what).toBe(true);
    for (const error of problem.errors) {
      expect(typeof error.path, what).toBe('string');
      expect(typeof error.message, what).toBe('string');
      if (error.index !== undefined) expect(Number.isInteger(error.index), what).toBe(true);
    }
  }
  const leak = INTERNALS.exec(res.text);
  expect(leak && res.text.slice(Math.max(0, leak.index - 200), leak.index + 200), what).toBeNull();
}

/**
 * A time strictly after every write already made: Timestamps have millisecond precision, so a write
 * that finished in the current millisecond would otherwise count as one made by the next request.
 */
function afterPreviousWrites(): Date {
  const now = Date.now();
  while (Date.now() <= now) {
    // spin to the next millisecond (at most one)
  }
  return new Date();
}

/** A Dataverse error, `{ error: { code, message } }` with OData-Version, and nothing of the service's insides. */
function checkDataverseError(res: Reply, what: string) {
  expect(res.headers.get('odata-version'), what).toBe('4.0');
  expect(res.headers.get('content-type'), what).toContain('application/json');
  expect(res.body, what).toMatchObject({
    error: { code: expect.stringMatching(/^0x[0-9a-f]{8}$/), message: expect.any(String) },
  });
  expect(Object.keys(res.body), what).toEqual(['error']);
  // `@odata.bind` is a Dataverse column name, not an internal one; a column name the request itself
  // typed (an unknown `RowKey`, say) is named back to it, which is no leak.
  const sent = (() => {
    try {
      return decodeURIComponent(what);
    } catch {
      return what;
    }
  })();
  const leak = DATAVERSE_INTERNALS.exec(res.text);
  if (leak && !sent.includes(leak[0])) {
    expect(res.text.slice(Math.max(0, leak.index - 200), leak.index + 200), what).toBeNull();
  }
}

const DATAVERSE_INTERNALS = new RegExp(INTERNALS.source.replace('|odata', ''), 'i');

/** An HTML error page: the page headers, and nothing of the service's insides. */
function checkPage(res: Reply, what: string) {
  expect(res.headers.get('content-type'), what).toBe('text/html; charset=utf-8');
  expect(res.headers.get('content-security-policy'), what).toContain("frame-ancestors 'none'");
  expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
  expect(res.headers.get('cache-control'), what).toBe('no-store');
  expect(res.text, what).toContain('<html lang="en">');
  const leak = INTERNALS.exec(res.text);
  expect(leak && res.text.slice(Math.max(0, leak.index - 200), leak.index + 200), what).toBeNull();
}

async function exercise(op: Operation, req: FuzzRequest, known: ReadonlySet<string>) {
  const what = describeRequest(req);
  const since = afterPreviousWrites();
  let res: Reply;
  try {
    res = await api.send({
      method: req.method,
      path: req.path,
      ...(req.body !== undefined ? { body: req.body } : {}),
      headers: req.headers,
    });
  } catch (error) {
    throw new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms (${String(error)}): ${what}`);
  }
  requests++;
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  expect(res.status, `${res.text.slice(0, 500)}\n${what}`).toBeLessThan(500);
  expect(res.status, what).not.toBe(401);
  const everything = `${res.text}${[...res.headers].join()}`;
  expect(everything.includes(KEY), what).toBe(false);

  if (res.status >= 400 && res.text === '') {
    // Refused by the host before any function ran: a path no route serves, a request line or
    // headers too long to read. The Functions host (Kestrel) answers these with no body too.
    expect([400, 404, 413, 414, 431], what).toContain(res.status);
  } else if (res.status >= 400 && op.errors === 'dataverse') {
    checkDataverseError(res, what);
  } else if (res.status >= 400 && op.errors === 'page') {
    checkPage(res, what);
  } else if (
    res.status >= 400 &&
    op.name === 'mcp' &&
    !/problem/.test(res.headers.get('content-type') ?? '')
  ) {
    // The MCP transport answers what is not a JSON-RPC request in JSON-RPC, as MCP clients expect.
    expect(res.headers.get('content-type'), what).toContain('application/json');
    expect(res.body, what).toMatchObject({
      jsonrpc: '2.0',
      error: { code: expect.any(Number), message: expect.any(String) },
    });
  } else if (res.status >= 400) {
    checkProblem(res, what);
  } else {
    expect(res.status, what).toBeGreaterThanOrEqual(200);
    const schema = op.responses[res.status]?.schema;
    if (schema) {
      const parsed = schema.safeParse(res.body);
      expect(parsed.success, `${parsed.error?.message}\n${what}`).toBe(true);
    }
  }
  if (res.status >= 400 || req.method === 'GET') {
    expect(await writesSince(since, known), `a ${res.status} ${req.method} wrote: ${what}`).toEqual([]);
  }
}

describe('fuzzing every route', () => {
  it('enumerates the routes from operations, and has a valid sample for each that the service accepts', async () => {
    expect(ops.length).toBeGreaterThanOrEqual(12);
    const derived: string[] = [];
    for (const op of ops) {
      const sample = sampleOf(op);
      if (sample.derived) derived.push(opKey(op));
      const path = buildPath(op, sample.params, Object.entries(sample.query ?? {}));
      const body = op.method === 'GET' ? undefined : encodeBody(op, sample.body ?? {});
      const res = await api.send({
        method: op.method,
        path,
        ...(body !== undefined ? { body } : {}),
        headers: {
          'content-type': Object.keys(op.mediaTypes ?? { 'application/json': 0 })[0]!,
          ...requiredHeaders(op, sample, path, body),
        },
      });
      requests++;
      // A derived sample may not pass every semantic rule; a hand-written one must.
      if (sample.derived) expect(res.status, `${opKey(op)}: ${res.text}`).toBeLessThan(500);
      // Deleting a consent row is refused by design (history is never deleted).
      else if (op.name === 'dataverseDelete') expect(res.status, res.text).toBe(405);
      else expect(res.status, `${opKey(op)}: ${res.text}`).toBeLessThan(300);
    }
    if (derived.length > 0) console.info(`[fuzz] samples derived from the schema for: ${derived.join(', ')}`);
  });

  for (const op of ops) {
    const runs = op.method !== 'GET' ? RUNS.body : op.query ? RUNS.query : RUNS.other;
    it(
      `${opKey(op)}: ${runs} random requests, each a 2xx or a clean 4xx that wrote nothing`,
      async () => {
        const known = await tableNames();
        await fc.assert(
          fc.asyncProperty(requestsFor(op), async (req) => {
            await exercise(op, req, known);
          }),
          { numRuns: runs, endOnFailure: true, seed: SEED + ops.indexOf(op) },
        );
      },
      60_000 * SCALE,
    );
  }

  it(
    'fuzzes $filter on every Dataverse entity set: random and adversarial filters never 5xx and never write',
    async () => {
      const op = operations.dataverseGet as Operation;
      const known = await tableNames();
      const columns = [
        'msdynmkt_contactpointvalue',
        'msdynmkt_contactpointtype',
        'msdynmkt_value',
        '_msdynmkt_purposeid_value',
        '_msdynmkt_topicid_value',
        'msdynmkt_reason',
        'modifiedon',
        'createdon',
        'statecode',
        'msdynmkt_name',
        'msdynmkt_type',
        'PartitionKey',
        'RowKey',
      ];
      const token = fc.oneof(
        fc.constantFrom(...columns),
        fc.constantFrom(
          'eq',
          'ne',
          'gt',
          'ge',
          'lt',
          'le',
          'and',
          'or',
          'not',
          'null',
          'true',
          'false',
          'in',
          'has',
        ),
        fc.constantFrom('(', ')', ',', "'", "''", '/', '$', '@p', 'contains(', 'any(x:x'),
        fc.constantFrom(
          "'fuzz.valid@example.com'",
          "'O''Brien'",
          "'",
          "'unterminated",
          "' or PartitionKey ne '",
        ),
        fc.constantFrom('534120000', '-1', '9007199254740993', '1e9', '0x10'),
        fc.constantFrom('2026-11-24T07:06:41Z', '2026-02-30T00:00:00Z', '2026-11-24', 'T07:06'),
        fc.constantFrom('8a6e4f2d-1c3b-4f5e-9d7a-0b1c2d3e4f50', '8a6e4f2d-1c3b', '{guid}'),
        adversarialString(60),
      );
      const filter = fc.oneof(
        {
          weight: 6,
          arbitrary: fc.array(token, { minLength: 1, maxLength: 14 }).map((tokens) => tokens.join(' ')),
        },
        { weight: 2, arbitrary: adversarialString(6000) },
        {
          weight: 1,
          arbitrary: fc.nat(300).map((n) => `${'('.repeat(n)}msdynmkt_value eq 1${')'.repeat(n)}`),
        },
        {
          weight: 1,
          arbitrary: fc.nat(400).map((n) =>
            Array(n + 1)
              .fill('msdynmkt_value eq 1')
              .join(' and '),
          ),
        },
      );
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(
          filter,
          fc.constantFrom('msdynmkt_contactpointconsent4s', 'msdynmkt_purposes', 'msdynmkt_topics'),
          async (text, set) => {
            await exercise(
              op,
              {
                kind: 'filter',
                method: 'GET',
                path: buildPath(op, { path: set }, [['$filter', text]]),
                headers: {},
              },
              known,
            );
            statuses.set(0, (statuses.get(0) ?? 0) + 1);
          },
        ),
        { numRuns: 400 * SCALE, endOnFailure: true, seed: SEED },
      );
      console.info(`[fuzz] $filter: ${statuses.get(0)} filters sent, none 5xx, none wrote`);
    },
    120_000 * SCALE,
  );

  it('answers the raw edge cases on every route with a body', async () => {
    const known = await tableNames();
    for (const op of ops.filter((o) => o.method !== 'GET')) {
      const sample = sampleOf(op);
      for (const body of RAW_BODIES) {
        await exercise(
          op,
          {
            kind: 'raw',
            method: op.method,
            path: buildPath(op, sample.params, []),
            body,
            headers: requiredHeaders(op, sample, buildPath(op, sample.params, []), body),
          },
          known,
        );
      }
    }
  });
});
