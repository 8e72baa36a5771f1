import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../shared/config';
import { buildCatalog, DEFAULT_PROFILE } from '../../shared/domain/catalog';
import type { Profile } from '../../shared/domain/model';
import { ValidationError } from '../../shared/errors';
import { SMS_RECEIVED, SUBSCRIPTION_VALIDATION } from '../../shared/api/sms/sms.schemas';
import { parseAcsDelivery } from '../../shared/sms/event-grid';
import { contactPointParser } from '../../shared/domain/contact-point';
import { keywordRecords, phoneNumberOf, profilesForKeyword } from '../../shared/sms/inbound';

const US = contactPointParser('US');
import { pathAndQuery, signedUrls, twilioSignature, verifyTwilioSignature } from '../../shared/sms/twilio';

// The example in Twilio's request validation documentation, as its helper libraries test it.
const TOKEN = '12345';
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS: Array<[string, string]> = [
  ['Digits', '1234'],
  ['To', '+18005551212'],
  ['From', '+14158675309'],
  ['Caller', '+14158675309'],
  ['CallSid', 'CA1234567890ABCDE'],
];

describe('Twilio signature', () => {
  it("reproduces Twilio's documented signature, whatever order the parameters come in", () => {
    expect(twilioSignature(TOKEN, URL_, PARAMS)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(twilioSignature(TOKEN, URL_, [...PARAMS].reverse())).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('sorts by name, then the values of a repeated name, each pair once (Twilio helper library vector)', () => {
    const repeated: Array<[string, string]> = [
      ['Sid', 'CA123'],
      ['SidAccount', 'AC123'],
      ['Digits', '5678'],
      ['Digits', '1234'],
      ['Digits', '1234'],
    ];
    // Sorting "name+value" strings instead would put SidAccount before Sid and fail this.
    expect(twilioSignature(TOKEN, URL_, repeated)).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
  });

  it('verifies in constant time under any of several tokens, and refuses any change', () => {
    const good = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';
    expect(verifyTwilioSignature([TOKEN], [URL_], PARAMS, good)).toBe(true);
    expect(verifyTwilioSignature(['old-token', TOKEN], [URL_], PARAMS, good)).toBe(true);
    expect(verifyTwilioSignature(['old-token'], [URL_], PARAMS, good)).toBe(false);
    expect(verifyTwilioSignature([], [URL_], PARAMS, good)).toBe(false);
    expect(verifyTwilioSignature([TOKEN], [`${URL_}&x=1`], PARAMS, good)).toBe(false);
    expect(verifyTwilioSignature([TOKEN], [URL_.replace('https', 'http')], PARAMS, good)).toBe(false);
    expect(verifyTwilioSignature([TOKEN], [URL_], [...PARAMS, ['Extra', '']], good)).toBe(false);
    expect(verifyTwilioSignature([TOKEN], [URL_], PARAMS.slice(1), good)).toBe(false);
    expect(verifyTwilioSignature([TOKEN], [URL_], PARAMS, good.toLowerCase())).toBe(false);
    expect(verifyTwilioSignature([TOKEN], [URL_], PARAMS, good.slice(0, -1))).toBe(false);
    expect(verifyTwilioSignature([TOKEN], [URL_], PARAMS, '')).toBe(false);
    expect(verifyTwilioSignature([TOKEN], [URL_], PARAMS, 'invalid 王')).toBe(false);
  });

  it("also accepts a signature over the query with ' where the request URL holds %27", () => {
    expect(signedUrls('https://x.example/api/sms/twilio')).toEqual(['https://x.example/api/sms/twilio']);
    expect(signedUrls('https://x.example/a%27b?n=o%27brien&m=%2527')).toEqual([
      'https://x.example/a%27b?n=o%27brien&m=%2527',
      "https://x.example/a%27b?n=o'brien&m=%2527",
    ]);
    const quoted = twilioSignature(TOKEN, "https://x.example/h?n=o'brien", PARAMS);
    expect(
      verifyTwilioSignature([TOKEN], signedUrls('https://x.example/h?n=o%27brien'), PARAMS, quoted),
    ).toBe(true);
    expect(verifyTwilioSignature([TOKEN], ['https://x.example/h?n=o%27brien'], PARAMS, quoted)).toBe(false);
  });

  it('signs over the path and query exactly as the request URL holds them', () => {
    expect(pathAndQuery('http://127.0.0.1:7071/api/sms/twilio')).toBe('/api/sms/twilio');
    expect(pathAndQuery('https://x.example/api/sms/twilio?a=1&b=%2F#frag')).toBe('/api/sms/twilio?a=1&b=%2F');
    expect(pathAndQuery('https://x.example')).toBe('/');
  });
});

describe('TWILIO_AUTH_TOKEN', () => {
  const empty = mkdtempSync(join(tmpdir(), 'cfg-'));

  it('is one token, or two while rotating; unset refuses every request', () => {
    expect(parseConfig({ TWILIO_AUTH_TOKEN: 'abc' }, empty).TWILIO_AUTH_TOKEN).toEqual(['abc']);
    expect(parseConfig({ TWILIO_AUTH_TOKEN: ' old , new ,' }, empty).TWILIO_AUTH_TOKEN).toEqual([
      'old',
      'new',
    ]);
    expect(parseConfig({}, empty).TWILIO_AUTH_TOKEN).toBeUndefined();
  });
});

describe('phone numbers from providers', () => {
  it('reads E.164 and national numbers as every sms contact point is read', () => {
    expect(phoneNumberOf('+14255550100', US)).toBe('+14255550100');
    expect(phoneNumberOf(' +1 (425) 555-0100 ', US)).toBe('+14255550100');
    expect(phoneNumberOf('4255550100', US)).toBe('+14255550100');
    expect(phoneNumberOf('14255550100', US)).toBe('+14255550100');
    expect(phoneNumberOf('+447911123456', US)).toBe('+447911123456');
  });

  it('takes digits without + as international when they are no valid national number', () => {
    expect(phoneNumberOf('447911123456', US)).toBe('+447911123456');
    expect(phoneNumberOf('33612345678', US)).toBe('+33612345678');
    // A valid national reading wins: the same spelling always finds the same contact point.
    expect(phoneNumberOf('2065550100', US)).toBe('+12065550100');
  });

  it('finds no number in short codes, sender ids, text and extensions', () => {
    for (const raw of [
      '',
      ' ',
      '12345',
      'CONTOSO',
      'whatsapp:+14255550100',
      '+1425555010',
      'call me',
      '+14255550100;ext=1',
      '+14255550100 x1',
      '0',
    ]) {
      expect(phoneNumberOf(raw, US), raw).toBeUndefined();
    }
  });
});

const BRAND: Profile = {
  id: 'brand',
  name: 'Brand',
  smsNumbers: ['+14255550199'],
  purposes: [
    {
      id: 'b-news',
      name: 'News',
      type: 'commercial',
      enforcement: 'restrictive',
      topics: [{ id: 'b-t', name: 'T' }],
    },
    { id: 'b-deals', name: 'Deals', type: 'commercial', enforcement: 'nonRestrictive' },
    { id: 'b-orders', name: 'Orders', type: 'transactional', enforcement: 'disabled' },
    { id: 'b-tracking', name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
  ],
};
const catalog = buildCatalog([DEFAULT_PROFILE, BRAND], { checkContactConsent: true });

describe('which purposes a keyword acts on', () => {
  it('the profile claiming the number it was sent to; else every profile for a STOP and none for a START', () => {
    const stop = { keyword: 'STOP', action: 'optOut' } as const;
    const start = { keyword: 'START', action: 'optIn' } as const;
    expect(catalog.smsNumbers.get('+14255550199')).toBe(BRAND);
    for (const match of [stop, start])
      expect(profilesForKeyword(catalog, '+14255550199', match).map((p) => p.id)).toEqual(['brand']);
    expect(profilesForKeyword(catalog, '+14255550100', stop).map((p) => p.id)).toEqual(['default', 'brand']);
    expect(profilesForKeyword(catalog, undefined, stop).map((p) => p.id)).toEqual(['default', 'brand']);
    expect(profilesForKeyword(catalog, '+14255550100', start)).toEqual([]);
    expect(profilesForKeyword(catalog, undefined, start)).toEqual([]);
  });

  it('writes every commercial and transactional purpose (never tracking, never topics) for the sender', () => {
    const stop = { keyword: 'STOP', action: 'optOut' } as const;
    const claimed = keywordRecords(
      catalog,
      { sender: '+14255550123', to: '+1 425 555 0199', match: stop },
      US,
    );
    expect(claimed.map((r) => [r.purposeId, r.value])).toEqual([
      ['b-news', 'optedOut'],
      ['b-deals', 'optedOut'],
      ['b-orders', 'optedOut'],
    ]);
    expect(claimed[0]).toEqual({
      channel: 'sms',
      contactPoint: '+14255550123',
      purposeId: 'b-news',
      value: 'optedOut',
      source: 'textMessage',
      reason: 'noReasons',
      reasonDescription: 'STOP texted to +14255550199',
      status: 'active',
    });
    const start = { keyword: 'UNSTOP', action: 'optIn' } as const;
    expect(keywordRecords(catalog, { sender: '+14255550123', to: '12345', match: start }, US)).toEqual([]);
    const unclaimedStop = keywordRecords(
      catalog,
      { sender: '+14255550123', to: '12345', match: stop, capturedAt: '2026-01-01T00:00:00Z' },
      US,
    );
    expect(unclaimedStop.map((r) => [r.purposeId, r.value])).toEqual([
      ['commercial', 'optedOut'],
      ['transactional', 'optedOut'],
      ['b-news', 'optedOut'],
      ['b-deals', 'optedOut'],
      ['b-orders', 'optedOut'],
    ]);
    expect(unclaimedStop[0]).toMatchObject({
      capturedAt: '2026-01-01T00:00:00Z',
      reasonDescription: 'STOP texted to 12345',
    });
    const claimedStart = keywordRecords(
      catalog,
      { sender: '+14255550123', to: '+14255550199', match: start },
      US,
    );
    expect(claimedStart.map((r) => [r.purposeId, r.value])).toEqual([
      ['b-news', 'optedIn'],
      ['b-deals', 'optedIn'],
      ['b-orders', 'optedIn'],
    ]);
    expect(
      keywordRecords(catalog, { sender: '+14255550123', to: '<script>', match: stop }, US)[0]!
        .reasonDescription,
    ).toBe('STOP texted to another number');
    expect(
      keywordRecords(catalog, { sender: '+1', to: '', match: { keyword: 'HELP', action: 'help' } }, US),
    ).toEqual([]);
  });
});

describe('Event Grid deliveries', () => {
  const sms = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id: 'e-1',
    topic: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Communication/communicationServices/z',
    subject: 'phonenumber/14255550100',
    eventType: SMS_RECEIVED,
    eventTime: '2026-01-01T00:00:00Z',
    dataVersion: '1.0',
    metadataVersion: '1',
    data: {
      messageId: 'm',
      from: '+14255550123',
      to: '+14255550100',
      message: 'STOP',
      receivedTimestamp: '2026-01-01T00:00:00.1234567Z',
      segmentCount: 1,
      ...data,
    },
    ...extra,
  });
  const cloud = (data: Record<string, unknown>) => ({
    specversion: '1.0',
    id: 'c-1',
    source: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Communication/communicationServices/z',
    subject: 'phonenumber/14255550100',
    type: SMS_RECEIVED,
    time: '2026-01-01T00:00:00Z',
    datacontenttype: 'application/json',
    data: { from: '+14255550123', to: '+14255550100', message: 'START', ...data },
  });

  it('reads SMSReceived texts from both schemas and ignores other event types', () => {
    const delivery = parseAcsDelivery('application/json', [
      sms({}),
      sms({}, { eventType: 'Microsoft.Communication.SMSDeliveryReportReceived', data: { whatever: 1 } }),
      sms({ message: 'hello', receivedTimestamp: undefined }),
    ]);
    expect(delivery).toEqual({
      kind: 'texts',
      texts: [
        {
          from: '+14255550123',
          to: '+14255550100',
          message: 'STOP',
          receivedAt: '2026-01-01T00:00:00.1234567Z',
          eventId: 'acs:e-1',
        },
        { from: '+14255550123', to: '+14255550100', message: 'hello', eventId: 'acs:e-1' },
      ],
      rejected: [],
    });
    expect(parseAcsDelivery('application/cloudevents+json', cloud({}))).toEqual({
      kind: 'texts',
      texts: [{ from: '+14255550123', to: '+14255550100', message: 'START', eventId: 'acs:c-1' }],
      rejected: [],
    });
    expect(
      parseAcsDelivery('application/cloudevents-batch+json', [cloud({}), cloud({ message: 'Stop' })]),
    ).toMatchObject({
      kind: 'texts',
      texts: [{ message: 'START' }, { message: 'Stop' }],
    });
  });

  it('answers a subscription validation, in either schema, only when it comes alone', () => {
    const validation = {
      ...sms({}),
      eventType: SUBSCRIPTION_VALIDATION,
      data: { validationCode: 'abc-123', validationUrl: 'https://x' },
    };
    expect(parseAcsDelivery('application/json', [validation])).toEqual({
      kind: 'validation',
      validationCode: 'abc-123',
    });
    expect(
      parseAcsDelivery('application/cloudevents+json', {
        ...cloud({}),
        type: SUBSCRIPTION_VALIDATION,
        data: { validationCode: 'c' },
      }),
    ).toEqual({ kind: 'validation', validationCode: 'c' });
    expect(() => parseAcsDelivery('application/json', [sms({}), validation])).toThrow(ValidationError);
    expect(() => parseAcsDelivery('application/json', [{ ...validation, data: {} }])).toThrow(
      ValidationError,
    );
  });

  it('refuses a body that is no delivery, naming every bad path; reports each unreadable event and keeps the rest', () => {
    const paths = (mediaType: Parameters<typeof parseAcsDelivery>[0], body: unknown) => {
      try {
        parseAcsDelivery(mediaType, body);
      } catch (error) {
        if (error instanceof ValidationError) return error.details.map((d) => [d.path, d.index ?? null]);
        throw error;
      }
      throw new Error('accepted');
    };
    const rejected = (mediaType: Parameters<typeof parseAcsDelivery>[0], body: unknown) => {
      const delivery = parseAcsDelivery(mediaType, body);
      if (delivery.kind !== 'texts') throw new Error('not texts');
      return { texts: delivery.texts.length, rejected: delivery.rejected };
    };
    expect(paths('application/json', sms({}))).toEqual([['(body)', null]]);
    expect(paths('application/json', [])).toEqual([['(body)', null]]);
    expect(rejected('application/json', [sms({}), { ...sms({}), eventType: 7, id: undefined }])).toEqual({
      texts: 1,
      rejected: [{ index: 1, reason: expect.stringMatching(/^\[1\]\.id: .*; \[1\]\.eventType: /) }],
    });
    expect(
      rejected('application/json', [
        sms({ from: 5 }),
        sms({ message: undefined, receivedTimestamp: 'yesterday' }),
        sms({ message: 'STOP' }),
      ]),
    ).toEqual({
      texts: 1,
      rejected: [
        { index: 0, reason: expect.stringMatching(/^\[0\]\.data\.from: /) },
        {
          index: 1,
          reason: expect.stringMatching(/^\[1\]\.data\.message: .*; \[1\]\.data\.receivedTimestamp: /),
        },
      ],
    });
    // Older documentation spells the fields From, To, Message: read ignoring case.
    const spelled = parseAcsDelivery('application/json', [
      sms(
        {},
        {
          data: {
            From: '+14255550123',
            To: '+14255550100',
            Message: 'STOP',
            ReceivedTimestamp: '2026-01-01T00:00:00Z',
          },
        },
      ),
    ]);
    expect(spelled).toMatchObject({
      texts: [
        { from: '+14255550123', to: '+14255550100', message: 'STOP', receivedAt: '2026-01-01T00:00:00Z' },
      ],
      rejected: [],
    });
    expect(
      rejected('application/json', [
        sms({}, { data: { from: '+14255550123', From: '+14255550199', to: '+1', message: 'STOP' } }),
      ]),
    ).toMatchObject({
      texts: 0,
      rejected: [{ index: 0 }],
    });
    expect(paths('application/cloudevents+json', { ...cloud({}), specversion: '0.3' })).toEqual([
      ['specversion', null],
    ]);
    expect(rejected('application/cloudevents+json', cloud({ to: null }))).toEqual({
      texts: 0,
      rejected: [{ index: 0, reason: expect.stringMatching(/^data\.to: /) }],
    });
    expect(paths('application/cloudevents-batch+json', cloud({}))).toEqual([['(body)', null]]);
  });
});
