import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../shared/domain/catalog';
import { evaluateMessage, type ContactPointConsent } from '../../shared/domain/evaluate';
import {
  AUDIENCES,
  CHANNELS,
  CONSENT_VALUES,
  ENFORCEMENT_MODELS,
  type Channel,
  type ConsentValue,
  type EnforcementModel,
  type Profile,
} from '../../shared/domain/model';

/** The seed table of DOMAIN.md, written out cell by cell: does the stored value let the message go? */
const SEED_TABLE: Record<EnforcementModel, Record<ConsentValue, 'sent' | 'blocked'>> = {
  restrictive: { optedOut: 'blocked', notSet: 'blocked', optedIn: 'sent' },
  nonRestrictive: { optedOut: 'blocked', notSet: 'sent', optedIn: 'sent' },
  disabled: { optedOut: 'sent', notSet: 'sent', optedIn: 'sent' },
};

function profileWith(
  model: EnforcementModel,
  trackingModel: EnforcementModel = 'nonRestrictive',
  channel?: Channel,
): Profile {
  const perChannel = channel
    ? (Object.fromEntries(CHANNELS.map((c) => [c, c === channel ? model : 'disabled'])) as Record<
        Channel,
        EnforcementModel
      >)
    : model;
  return {
    id: 'p',
    name: 'P',
    purposes: [
      {
        id: 'marketing',
        name: 'M',
        type: 'commercial',
        enforcement: perChannel,
        topics: [{ id: 'news', name: 'N' }],
      },
      {
        id: 'receipts',
        name: 'R',
        type: 'transactional',
        enforcement: perChannel,
        topics: [{ id: 'invoices', name: 'I' }],
      },
      { id: 'track', name: 'T', type: 'tracking', enforcement: trackingModel },
    ],
  };
}

function consentOf(values: {
  purpose?: ConsentValue;
  topic?: ConsentValue;
  tracking?: ConsentValue;
  purposeId?: string;
  topicId?: string;
}) {
  const map = new Map<string, { value: ConsentValue }>();
  if (values.purpose) map.set(`p:${values.purposeId ?? 'marketing'}`, { value: values.purpose });
  if (values.topic) map.set(`t:${values.topicId ?? 'news'}`, { value: values.topic });
  if (values.tracking) map.set('p:track', { value: values.tracking });
  return map as ContactPointConsent;
}

const optional = <T>(values: readonly T[]): Array<T | undefined> => [undefined, ...values];

describe('evaluateMessage: purpose, every channel x model x stored value', () => {
  for (const channel of CHANNELS)
    for (const model of ENFORCEMENT_MODELS)
      for (const stored of optional(CONSENT_VALUES)) {
        const value = stored ?? 'notSet';
        it(`${channel} ${model} purpose=${stored ?? 'no record'} -> ${SEED_TABLE[model][value]}`, () => {
          const catalog = buildCatalog([profileWith(model, 'nonRestrictive', channel)], {
            checkContactConsent: true,
          });
          const result = evaluateMessage(
            { channel, profileId: 'p', purposeId: 'marketing', audience: 'contact' },
            catalog,
            consentOf({ purpose: stored }),
          );
          expect(result.decision).toBe(SEED_TABLE[model][value]);
          expect(result.consent.purpose).toBe(value);
          expect(result.enforcement.purpose).toBe(model);
          const expectedReasons =
            model === 'disabled'
              ? []
              : value === 'optedOut'
                ? ['purpose-opted-out']
                : SEED_TABLE[model][value] === 'blocked'
                  ? ['purpose-opt-in-required']
                  : [];
          expect(result.reasons).toEqual(expectedReasons);
        });
      }
});

describe('evaluateMessage: topic, every model x purpose value x topic value', () => {
  for (const channel of CHANNELS)
    for (const model of ENFORCEMENT_MODELS)
      for (const purpose of optional(CONSENT_VALUES))
        for (const topic of optional(CONSENT_VALUES)) {
          it(`${channel} ${model} purpose=${purpose ?? '-'} topic=${topic ?? '-'}`, () => {
            const catalog = buildCatalog([profileWith(model)], { checkContactConsent: true });
            const result = evaluateMessage(
              { channel, profileId: 'p', purposeId: 'marketing', topicId: 'news', audience: 'lead' },
              catalog,
              consentOf({ purpose, topic }),
            );
            const purposeOk = SEED_TABLE[model][purpose ?? 'notSet'] === 'sent';
            const topicOk = SEED_TABLE[model][topic ?? 'notSet'] === 'sent';
            expect(result.decision).toBe(purposeOk && topicOk ? 'sent' : 'blocked');
            expect(result.consent).toEqual({
              purpose: purpose ?? 'notSet',
              topic: topic ?? 'notSet',
              tracking: 'notSet',
            });
            if (!purposeOk) {
              // The purpose fails first: the topic's own value is irrelevant and not reported.
              expect(result.reasons.some((r) => r.startsWith('topic-'))).toBe(false);
            } else if (!topicOk) {
              expect(result.reasons).toEqual([
                topic === 'optedOut' ? 'topic-opted-out' : 'topic-opt-in-required',
              ]);
            }
          });
        }

  it('an opted-in topic under an opted-out purpose is blocked by the purpose', () => {
    const catalog = buildCatalog([profileWith('nonRestrictive')], { checkContactConsent: true });
    const result = evaluateMessage(
      { channel: 'email', profileId: 'p', purposeId: 'marketing', topicId: 'news', audience: 'contact' },
      catalog,
      consentOf({ purpose: 'optedOut', topic: 'optedIn' }),
    );
    expect(result).toMatchObject({ decision: 'blocked', reasons: ['purpose-opted-out'], tracked: false });
  });

  it('a restrictive topic with an unset purpose needs the purpose opt-in', () => {
    const catalog = buildCatalog([profileWith('restrictive')], { checkContactConsent: true });
    const result = evaluateMessage(
      { channel: 'sms', profileId: 'p', purposeId: 'marketing', topicId: 'news', audience: 'contact' },
      catalog,
      consentOf({ topic: 'optedIn' }),
    );
    expect(result).toMatchObject({ decision: 'blocked', reasons: ['purpose-opt-in-required'] });
  });
});

describe('evaluateMessage: tracking, every channel x model x stored value', () => {
  for (const channel of CHANNELS)
    for (const model of ENFORCEMENT_MODELS)
      for (const stored of optional(CONSENT_VALUES)) {
        const value = stored ?? 'notSet';
        it(`${channel} tracking ${model} value=${stored ?? '-'} -> ${SEED_TABLE[model][value] === 'sent' ? 'tracked' : 'not tracked'}`, () => {
          const catalog = buildCatalog([profileWith('disabled', model)], { checkContactConsent: true });
          const result = evaluateMessage(
            { channel, profileId: 'p', purposeId: 'marketing', audience: 'contact' },
            catalog,
            consentOf({ tracking: stored }),
          );
          expect(result.decision).toBe('sent');
          expect(result.tracked).toBe(SEED_TABLE[model][value] === 'sent');
          expect(result.consent.tracking).toBe(value);
          expect(result.enforcement.tracking).toBe(model);
          expect(result.trackingReasons).toEqual(
            model === 'disabled'
              ? []
              : value === 'optedOut'
                ? ['tracking-opted-out']
                : SEED_TABLE[model][value] === 'blocked'
                  ? ['tracking-opt-in-required']
                  : [],
          );
        });
      }

  it('a blocked message is never tracked, and says why', () => {
    const catalog = buildCatalog([profileWith('nonRestrictive')], { checkContactConsent: true });
    const result = evaluateMessage(
      { channel: 'email', profileId: 'p', purposeId: 'marketing', audience: 'contact' },
      catalog,
      consentOf({ purpose: 'optedOut', tracking: 'optedIn' }),
    );
    expect(result).toMatchObject({ decision: 'blocked', tracked: false, trackingReasons: ['not-sent'] });
  });
});

describe('evaluateMessage: contact flags x audience x switch', () => {
  const flagsList = [
    {},
    { doNotEmail: true },
    { doNotBulkEmail: true },
    { doNotTrack: true },
    { doNotEmail: true, doNotBulkEmail: true, doNotTrack: true },
    { doNotEmail: false, doNotBulkEmail: false, doNotTrack: false },
  ];
  for (const audience of AUDIENCES)
    for (const checkContactConsent of [true, false])
      for (const channel of CHANNELS)
        for (const purposeId of ['marketing', 'receipts'])
          for (const contact of flagsList) {
            it(`${audience} switch=${checkContactConsent} ${channel} ${purposeId} ${JSON.stringify(contact)}`, () => {
              const catalog = buildCatalog([profileWith('disabled')], { checkContactConsent });
              const result = evaluateMessage(
                { channel, profileId: 'p', purposeId, audience, contact },
                catalog,
                consentOf({}),
              );
              const applies = audience === 'contact' && checkContactConsent;
              const expected: string[] = [];
              if (applies && channel === 'email') {
                if (contact.doNotEmail) expected.push('contact-do-not-email');
                if (purposeId === 'marketing' && contact.doNotBulkEmail)
                  expected.push('contact-do-not-bulk-email');
              }
              expect(result.reasons).toEqual(expected);
              expect(result.decision).toBe(expected.length === 0 ? 'sent' : 'blocked');
              const trackingExpected = applies && contact.doNotTrack ? ['contact-do-not-track'] : [];
              if (expected.length > 0) trackingExpected.push('not-sent');
              expect(result.trackingReasons).toEqual(trackingExpected);
              expect(result.tracked).toBe(trackingExpected.length === 0);
            });
          }

  it('contact flags apply in addition to consent, whatever the model', () => {
    const catalog = buildCatalog([profileWith('nonRestrictive')], { checkContactConsent: true });
    const result = evaluateMessage(
      {
        channel: 'email',
        profileId: 'p',
        purposeId: 'marketing',
        audience: 'contact',
        contact: { doNotEmail: true, doNotBulkEmail: true },
      },
      catalog,
      consentOf({ purpose: 'optedOut' }),
    );
    expect(result.reasons).toEqual([
      'purpose-opted-out',
      'contact-do-not-email',
      'contact-do-not-bulk-email',
    ]);
  });
});

describe('evaluateMessage: unknowns and unusable addresses', () => {
  const catalog = buildCatalog([profileWith('nonRestrictive')], { checkContactConsent: true });
  const base = {
    channel: 'email' as const,
    profileId: 'p',
    purposeId: 'marketing',
    audience: 'contact' as const,
  };

  it.each([
    [{ profileId: 'nope' }, ['unknown-profile']],
    [{ purposeId: 'nope' }, ['unknown-purpose']],
    [{ topicId: 'nope' }, ['unknown-topic']],
    [{ topicId: 'invoices' }, ['unknown-topic']],
    [{ purposeId: 'track' }, ['purpose-not-sendable']],
  ])('%j is blocked with %j', (change, reasons) => {
    const result = evaluateMessage({ ...base, ...change }, catalog, consentOf({}));
    expect(result).toMatchObject({ decision: 'blocked', tracked: false, reasons });
  });

  it('an unusable address is blocked with invalid-contact-point', () => {
    const result = evaluateMessage(base, catalog, null);
    expect(result).toMatchObject({
      decision: 'blocked',
      reasons: ['invalid-contact-point'],
      consent: { purpose: null, tracking: null },
    });
  });

  it('a purpose of another profile is unknown for this profile', () => {
    const other: Profile = {
      ...profileWith('nonRestrictive'),
      id: 'q',
      purposes: [{ id: 'q-track', name: 'T', type: 'tracking', enforcement: 'disabled' }],
    };
    const both = buildCatalog([profileWith('nonRestrictive'), other], { checkContactConsent: true });
    expect(evaluateMessage({ ...base, profileId: 'q' }, both, consentOf({})).reasons).toEqual([
      'unknown-purpose',
    ]);
  });
});

describe('evaluateMessage: inactive records are still enforced', () => {
  it('an inactive opt-out blocks', () => {
    const catalog = buildCatalog([profileWith('nonRestrictive')], { checkContactConsent: true });
    const consent = new Map([['p:marketing', { value: 'optedOut' as const, status: 'inactive' }]]);
    const result = evaluateMessage(
      { channel: 'email', profileId: 'p', purposeId: 'marketing', audience: 'contact' },
      catalog,
      consent,
    );
    expect(result.decision).toBe('blocked');
  });
});

describe('the default profile (DOMAIN.md table)', () => {
  it('commercial: nonRestrictive on email, restrictive elsewhere; transactional disabled; tracking nonRestrictive', async () => {
    const { DEFAULT_PROFILE } = await import('../../shared/domain/catalog');
    const catalog = buildCatalog([DEFAULT_PROFILE], { checkContactConsent: true });
    const decide = (channel: Channel, purposeId: string) =>
      evaluateMessage({ channel, profileId: 'default', purposeId, audience: 'lead' }, catalog, new Map());
    expect(decide('email', 'commercial').decision).toBe('sent');
    for (const channel of ['sms', 'voice', 'custom'] as const)
      expect(decide(channel, 'commercial').reasons).toEqual(['purpose-opt-in-required']);
    for (const channel of CHANNELS) {
      expect(decide(channel, 'transactional').decision).toBe('sent');
      expect(decide(channel, 'transactional').tracked).toBe(true);
    }
  });
});

describe('evaluateMessage: an expired opt-in counts as not set, at the time given', () => {
  const EXPIRY = Date.parse('2026-06-01T00:00:00.000Z');
  const expiring = (level: 'purpose' | 'topic' | 'tracking') => {
    const record = { value: 'optedIn' as const, expiresAt: new Date(EXPIRY).toISOString(), version: '7' };
    const key = { purpose: 'p:marketing', topic: 't:news', tracking: 'p:track' }[level];
    const others: Array<[string, { value: ConsentValue }]> = [
      ['p:marketing', { value: 'optedIn' }],
      ['t:news', { value: 'optedIn' }],
      ['p:track', { value: 'optedIn' }],
    ];
    return new Map([...others.filter(([k]) => k !== key), [key, record]]) as ContactPointConsent;
  };
  const times: Array<[string, number | undefined, boolean]> = [
    ['no time given', undefined, false],
    ['a millisecond before', EXPIRY - 1, false],
    ['at the expiry', EXPIRY, true],
    ['after', EXPIRY + 86_400_000, true],
  ];

  for (const model of ENFORCEMENT_MODELS)
    for (const [when, at, expired] of times) {
      it(`purpose and topic, ${model}, ${when}`, () => {
        const catalog = buildCatalog([profileWith(model)], { checkContactConsent: true });
        for (const level of ['purpose', 'topic'] as const) {
          const message = {
            channel: 'email' as const,
            profileId: 'p',
            purposeId: 'marketing',
            topicId: 'news',
            audience: 'contact' as const,
          };
          const result = evaluateMessage(message, catalog, expiring(level), at);
          const value = expired ? 'notSet' : 'optedIn';
          expect(result.consent[level]).toBe(value);
          const blocked = expired && model === 'restrictive';
          expect(result.decision).toBe(blocked ? 'blocked' : 'sent');
          expect(result.reasons).toEqual(blocked ? [`${level}-opt-in-expired`] : []);
          expect(result.evidence.records[level]).toBe('7');
        }
      });

      it(`tracking, ${model}, ${when}`, () => {
        const catalog = buildCatalog([profileWith('disabled', model)], { checkContactConsent: true });
        const result = evaluateMessage(
          { channel: 'sms', profileId: 'p', purposeId: 'marketing', audience: 'contact' },
          catalog,
          expiring('tracking'),
          at,
        );
        expect(result.consent.tracking).toBe(expired ? 'notSet' : 'optedIn');
        const untracked = expired && model === 'restrictive';
        expect(result.tracked).toBe(!untracked);
        expect(result.trackingReasons).toEqual(untracked ? ['tracking-opt-in-expired'] : []);
        expect(result.evidence.records.tracking).toBe('7');
      });
    }

  it('never expires an opt-out', () => {
    const catalog = buildCatalog([profileWith('nonRestrictive')], { checkContactConsent: true });
    const consent = new Map([['p:marketing', { value: 'optedOut', expiresAt: '2020-01-01T00:00:00.000Z' }]]);
    const result = evaluateMessage(
      { channel: 'email', profileId: 'p', purposeId: 'marketing', audience: 'contact' },
      catalog,
      consent as ContactPointConsent,
      Date.parse('2026-01-01T00:00:00Z'),
    );
    expect(result).toMatchObject({ decision: 'blocked', reasons: ['purpose-opted-out'] });
  });
});

describe('evaluateMessage: evidence', () => {
  it('names the profile version and the version of each record read, null where none exists', () => {
    const catalog = buildCatalog([{ ...profileWith('restrictive'), version: 4 }], {
      checkContactConsent: true,
    });
    const consent = new Map([
      ['p:marketing', { value: 'optedIn', version: '3' }],
      ['p:track', { value: 'optedOut', version: '9' }],
    ]) as ContactPointConsent;
    const message = {
      channel: 'email' as const,
      profileId: 'p',
      purposeId: 'marketing',
      audience: 'contact' as const,
    };
    expect(evaluateMessage({ ...message, topicId: 'news' }, catalog, consent).evidence).toEqual({
      profileVersion: 4,
      records: { purpose: '3', topic: null, tracking: '9' },
    });
    expect(evaluateMessage(message, catalog, consent).evidence).toEqual({
      profileVersion: 4,
      records: { purpose: '3', tracking: '9' },
    });
    expect(evaluateMessage({ ...message, profileId: 'nobody' }, catalog, consent).evidence).toEqual({
      profileVersion: null,
      records: { purpose: null, tracking: null },
    });
  });
});
