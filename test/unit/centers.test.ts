import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapColumns, parseCsvBoolean } from '../../shared/cli/csv-members';
import { buildCatalog, DEFAULT_PROFILE } from '../../shared/domain/catalog';
import {
  loadRows,
  mergeMemberFlags,
  preferenceChoiceProblems,
  preferencePrefill,
  resolveLoadTarget,
  subscriptionPrefill,
  subscriptionSubmitValues,
  type LoadMember,
  type WillSendView,
} from '../../shared/domain/centers';
import { evaluateMessage, evaluateTracking } from '../../shared/domain/evaluate';
import {
  consentKey,
  type Audience,
  type Channel,
  type ConsentValue,
  type ContactFlags,
  type Profile,
} from '../../shared/domain/model';
import { describeContactability } from '../../shared/services/check-service';

const BRAND: Profile = {
  id: 'brand',
  name: 'Brand',
  purposes: [
    {
      id: 'news',
      name: 'News',
      type: 'commercial',
      enforcement: 'nonRestrictive',
      topics: [
        { id: 'weekly', name: 'Weekly' },
        { id: 'offers', name: 'Offers' },
      ],
    },
    { id: 'promo', name: 'Promotions', type: 'commercial', enforcement: 'restrictive', topics: [] },
    { id: 'orders', name: 'Orders', type: 'transactional', enforcement: 'nonRestrictive', topics: [] },
    { id: 'brand-tracking', name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive', topics: [] },
  ],
};

const catalog = buildCatalog([DEFAULT_PROFILE, BRAND], { checkContactConsent: true });
const switchedOff = buildCatalog([DEFAULT_PROFILE, BRAND], { checkContactConsent: false });

const NOW = Date.parse('2026-11-24T12:00:00Z');

function consent(values: Record<string, ConsentValue>) {
  return new Map(Object.entries(values).map(([key, value]) => [key, { value }]));
}

function view(
  values: Record<string, ConsentValue>,
  options: { audience?: Audience; contact?: ContactFlags; channel?: Channel; profileId?: string } = {},
  over = catalog,
): WillSendView {
  return describeContactability(
    over,
    {
      channel: options.channel ?? 'email',
      profileId: options.profileId ?? 'brand',
      audience: options.audience ?? 'contact',
      contact: options.contact ?? {},
    },
    { channel: options.channel ?? 'email', address: 'someone@example.com' },
    consent(values),
    NOW,
  );
}

const NOTHING_STORED = { 'p:promo': 'optedIn' } as const;

describe('subscription center prefill', () => {
  it('is all clear when every address will send and will track and the contact allows', () => {
    expect(subscriptionPrefill({}, [view(NOTHING_STORED), view(NOTHING_STORED)])).toEqual({
      doNotEmail: false,
      doNotBulkEmail: false,
      doNotTrack: false,
    });
  });

  it("shows the contact's own flags, each on its own field", () => {
    const views = [view(NOTHING_STORED)];
    expect(subscriptionPrefill({ doNotEmail: true }, views)).toEqual({
      doNotEmail: true,
      doNotBulkEmail: false,
      doNotTrack: false,
    });
    expect(subscriptionPrefill({ doNotBulkEmail: true }, views)).toMatchObject({ doNotBulkEmail: true });
    expect(subscriptionPrefill({ doNotTrack: true }, views)).toMatchObject({ doNotTrack: true });
  });

  it('blocks bulk email when any commercial purpose of any address will not send', () => {
    const optedOut = view({ ...NOTHING_STORED, 'p:news': 'optedOut' });
    expect(subscriptionPrefill({}, [view(NOTHING_STORED), optedOut])).toEqual({
      doNotEmail: false,
      doNotBulkEmail: true,
      doNotTrack: false,
    });
    // promo is restrictive: with no opt-in it will not send
    expect(subscriptionPrefill({}, [view({})]).doNotBulkEmail).toBe(true);
  });

  it('ignores topics: only purposes count', () => {
    expect(
      subscriptionPrefill({}, [view({ ...NOTHING_STORED, 't:weekly': 'optedOut' })]).doNotBulkEmail,
    ).toBe(false);
  });

  it('blocks email when a transactional purpose will not send, and tracking when tracking will not track', () => {
    expect(subscriptionPrefill({}, [view({ ...NOTHING_STORED, 'p:orders': 'optedOut' })])).toEqual({
      doNotEmail: true,
      doNotBulkEmail: false,
      doNotTrack: false,
    });
    expect(subscriptionPrefill({}, [view({ ...NOTHING_STORED, 'p:brand-tracking': 'optedOut' })])).toEqual({
      doNotEmail: false,
      doNotBulkEmail: false,
      doNotTrack: true,
    });
  });

  it('with the default profile a transactional opt-out changes nothing (enforcement disabled)', () => {
    const views = [view({ 'p:transactional': 'optedOut' }, { profileId: 'default' })];
    expect(subscriptionPrefill({}, views).doNotEmail).toBe(false);
  });
});

describe('subscription center submit', () => {
  const values = (flags: { doNotEmail: boolean; doNotBulkEmail: boolean; doNotTrack: boolean }) =>
    Object.fromEntries(subscriptionSubmitValues(BRAND, flags).map((w) => [w.purposeId, w.value]));

  it('writes every purpose of the profile: commercial needs both email flags, transactional DoNotEmail, tracking DoNotTrack', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), (doNotEmail, doNotBulkEmail, doNotTrack) => {
        const v = values({ doNotEmail, doNotBulkEmail, doNotTrack });
        const commercial = !doNotEmail && !doNotBulkEmail ? 'optedIn' : 'optedOut';
        expect(v).toEqual({
          news: commercial,
          promo: commercial,
          orders: doNotEmail ? 'optedOut' : 'optedIn',
          'brand-tracking': doNotTrack ? 'optedOut' : 'optedIn',
        });
      }),
    );
  });
});

describe('preference center prefill', () => {
  const optedIn = (prefill: ReturnType<typeof preferencePrefill>) =>
    Object.fromEntries([
      ...prefill.purposes.flatMap((p) => [
        [p.purposeId, p.optedIn],
        ...p.topics.map((t) => [t.topicId, t.optedIn]),
      ]),
      [prefill.tracking.purposeId, prefill.tracking.optedIn],
    ]);

  it('contact: commercial needs both email flags, transactional DoNotEmail, tracking DoNotTrack', () => {
    const stored = { 'p:promo': 'optedIn' } as const;
    expect(optedIn(preferencePrefill(view(stored)))).toEqual({
      news: true,
      weekly: true,
      offers: true,
      promo: true,
      orders: true,
      'brand-tracking': true,
    });
    expect(optedIn(preferencePrefill(view(stored, { contact: { doNotBulkEmail: true } })))).toEqual({
      news: false,
      weekly: false,
      offers: false,
      promo: false,
      orders: true,
      'brand-tracking': true,
    });
    expect(optedIn(preferencePrefill(view(stored, { contact: { doNotEmail: true } })))).toMatchObject({
      news: false,
      promo: false,
      orders: false,
      'brand-tracking': true,
    });
    expect(optedIn(preferencePrefill(view(stored, { contact: { doNotTrack: true } })))).toMatchObject({
      news: true,
      orders: true,
      'brand-tracking': false,
    });
  });

  it('leads and data profiles: will send / will track alone', () => {
    const flags = { doNotEmail: true, doNotBulkEmail: true, doNotTrack: true };
    for (const audience of ['lead', 'profile'] as const) {
      expect(
        optedIn(preferencePrefill(view({ 'p:promo': 'optedIn' }, { audience, contact: flags }))),
      ).toEqual({
        news: true,
        weekly: true,
        offers: true,
        promo: true,
        orders: true,
        'brand-tracking': true,
      });
    }
  });

  it('follows the consent records: restrictive needs an opt-in, a purpose opt-out hides its topics', () => {
    const prefill = optedIn(preferencePrefill(view({ 'p:news': 'optedOut', 't:offers': 'optedIn' })));
    expect(prefill).toMatchObject({ news: false, weekly: false, offers: false, promo: false, orders: true });
    expect(optedIn(preferencePrefill(view({ 't:weekly': 'optedOut' })))).toMatchObject({
      news: true,
      weekly: false,
      offers: true,
    });
  });

  it('never disagrees with the check: opted in exactly when sent / tracked, switch on or off', () => {
    const values = fc.constantFrom<ConsentValue>('optedIn', 'optedOut', 'notSet');
    const flag = fc.option(fc.boolean(), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          news: values,
          weekly: values,
          promo: values,
          orders: values,
          tracking: values,
          audience: fc.constantFrom<Audience>('contact', 'lead', 'profile'),
          channel: fc.constantFrom<Channel>('email', 'sms', 'voice', 'custom'),
          switchOn: fc.boolean(),
          contact: fc.record({ doNotEmail: flag, doNotBulkEmail: flag, doNotTrack: flag }),
        }),
        (c) => {
          const over = c.switchOn ? catalog : switchedOff;
          const stored = consent({
            [consentKey('news')]: c.news,
            [consentKey('news', 'weekly')]: c.weekly,
            [consentKey('promo')]: c.promo,
            [consentKey('orders')]: c.orders,
            [consentKey('brand-tracking')]: c.tracking,
          });
          const query = { channel: c.channel, profileId: 'brand', audience: c.audience, contact: c.contact };
          const prefill = preferencePrefill(
            describeContactability(over, query, { channel: c.channel, address: 'x' }, stored, NOW),
          );
          for (const p of prefill.purposes) {
            const sent =
              evaluateMessage({ ...query, purposeId: p.purposeId }, over, stored).decision === 'sent';
            expect(p.optedIn).toBe(sent);
            for (const t of p.topics) {
              const topicSent =
                evaluateMessage({ ...query, purposeId: p.purposeId, topicId: t.topicId }, over, stored)
                  .decision === 'sent';
              expect(t.optedIn).toBe(topicSent);
            }
          }
          const tracked = evaluateTracking(query, BRAND, over, stored).reasons.length === 0;
          expect(prefill.tracking.optedIn).toBe(tracked);
          // Seed 002: the contact's own fields count only with the switch on.
          if (!c.switchOn && c.audience === 'contact') {
            const withoutFlags = preferencePrefill(
              describeContactability(
                over,
                { ...query, contact: {} },
                { channel: c.channel, address: 'x' },
                stored,
                NOW,
              ),
            );
            expect(prefill).toEqual(withoutFlags);
          }
        },
      ),
    );
  });
});

describe('preference center choices', () => {
  it('must name purposes and topics of the profile, each once', () => {
    expect(
      preferenceChoiceProblems(BRAND, [
        { purposeId: 'news' },
        { purposeId: 'news', topicId: 'weekly' },
        { purposeId: 'brand-tracking' },
      ]),
    ).toEqual([]);
    expect(
      preferenceChoiceProblems(BRAND, [
        { purposeId: 'commercial' },
        { purposeId: 'news', topicId: 'nope' },
        { purposeId: 'promo', topicId: 'weekly' },
        { purposeId: 'news', topicId: 'weekly' },
        { purposeId: 'news', topicId: 'weekly' },
      ]),
    ).toEqual([
      { index: 0, path: 'choices[0].purposeId', message: 'profile "brand" has no purpose "commercial"' },
      { index: 1, path: 'choices[1].topicId', message: 'purpose "news" has no topic "nope"' },
      { index: 2, path: 'choices[2].topicId', message: 'purpose "promo" has no topic "weekly"' },
      { index: 4, path: 'choices[4]', message: 'names the same purpose or topic as choices[3]' },
    ]);
  });
});

describe('load target', () => {
  const ok = (target: Parameters<typeof resolveLoadTarget>[1]) => resolveLoadTarget(catalog, target);
  const paths = (target: Parameters<typeof resolveLoadTarget>[1]) => {
    const resolved = ok(target);
    return resolved.ok ? [] : resolved.problems.map((p) => p.path);
  };

  it('resolves a purpose or topic of the profile and the tracking purpose beside it', () => {
    expect(ok({ profileId: 'brand', purposeId: 'news', from: 'contacts' })).toEqual({
      ok: true,
      target: { purposeId: 'news', trackingPurposeId: 'brand-tracking', rule: { from: 'contacts' } },
    });
    expect(
      ok({ profileId: 'brand', purposeId: 'news', topicId: 'weekly', from: 'list', value: 'optedOut' }),
    ).toEqual({
      ok: true,
      target: {
        purposeId: 'news',
        topicId: 'weekly',
        trackingPurposeId: 'brand-tracking',
        rule: { from: 'list', value: 'optedOut' },
      },
    });
    expect(ok({ profileId: 'brand', purposeId: 'orders', topicId: undefined, from: 'leads' }).ok).toBe(true);
  });

  it('names every problem', () => {
    expect(paths({ profileId: 'nope', purposeId: 'news', from: 'contacts' })).toEqual(['profileId']);
    expect(paths({ profileId: 'brand', purposeId: 'commercial', from: 'contacts' })).toEqual(['purposeId']);
    expect(paths({ profileId: 'brand', purposeId: 'brand-tracking', from: 'contacts' })).toEqual([
      'purposeId',
    ]);
    expect(paths({ profileId: 'brand', purposeId: 'promo', topicId: 'weekly', from: 'contacts' })).toEqual([
      'topicId',
    ]);
    expect(paths({ profileId: 'brand', purposeId: 'news', from: 'list' })).toEqual(['value']);
    expect(paths({ profileId: 'brand', purposeId: 'news', from: 'leads', value: 'optedIn' })).toEqual([
      'value',
    ]);
    expect(paths({ profileId: 'nope', purposeId: 'x', from: 'list' })).toEqual(['value', 'profileId']);
  });
});

describe('load rows', () => {
  it('contacts: opted out if DoNotEmail or DoNotBulkEmail blocks; tracking from DoNotTrack', () => {
    expect(
      loadRows(
        [
          { address: 'a@x.com' },
          { address: 'b@x.com', doNotEmail: true },
          { address: 'c@x.com', doNotBulkEmail: true, doNotTrack: true },
          { address: 'd@x.com', doNotEmail: false, doNotBulkEmail: false, doNotTrack: false },
        ],
        { from: 'contacts' },
      ),
    ).toEqual([
      { address: 'a@x.com', consent: 'optedIn', tracking: 'optedIn' },
      { address: 'b@x.com', consent: 'optedOut', tracking: 'optedIn' },
      { address: 'c@x.com', consent: 'optedOut', tracking: 'optedOut' },
      { address: 'd@x.com', consent: 'optedIn', tracking: 'optedIn' },
    ]);
  });

  it('an address shared by several members is opted in only if all of them allow', () => {
    const rows = loadRows(
      [
        { address: 'shared@x.com' },
        { address: 'alone@x.com' },
        { address: 'shared@x.com', doNotBulkEmail: true },
        { address: 'shared@x.com', doNotTrack: true },
        { address: 'both@x.com' },
        { address: 'both@x.com' },
      ],
      { from: 'contacts' },
    );
    expect(rows).toEqual([
      { address: 'shared@x.com', consent: 'optedOut', tracking: 'optedOut' },
      { address: 'alone@x.com', consent: 'optedIn', tracking: 'optedIn' },
      { address: 'both@x.com', consent: 'optedIn', tracking: 'optedIn' },
    ]);
  });

  it('leads have no tracking records; list members all get the chosen value', () => {
    const members = [
      { address: 'a@x.com', doNotTrack: true },
      { address: 'b@x.com', doNotEmail: true },
    ];
    expect(loadRows(members, { from: 'leads' })).toEqual([
      { address: 'a@x.com', consent: 'optedIn' },
      { address: 'b@x.com', consent: 'optedOut' },
    ]);
    expect(loadRows(members, { from: 'list', value: 'optedIn' })).toEqual([
      { address: 'a@x.com', consent: 'optedIn' },
      { address: 'b@x.com', consent: 'optedIn' },
    ]);
  });

  it('merging members first (as the CLI does across its chunks) never changes the outcome', () => {
    const member = fc.record({
      address: fc.constantFrom('a@x.com', 'b@x.com', 'c@x.com'),
      doNotEmail: fc.option(fc.boolean(), { nil: undefined }),
      doNotBulkEmail: fc.option(fc.boolean(), { nil: undefined }),
      doNotTrack: fc.option(fc.boolean(), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(member, { minLength: 1, maxLength: 12 }), (members: LoadMember[]) => {
        const merged = new Map<string, ContactFlags>();
        for (const { address, ...flags } of [...members].reverse()) {
          const seen = merged.get(address);
          merged.set(address, seen ? mergeMemberFlags(flags, seen) : flags);
        }
        const premerged = [...merged].map(([address, flags]) => ({ address, ...flags }));
        const byAddress = (rows: ReturnType<typeof loadRows>) =>
          Object.fromEntries(rows.map((r) => [r.address, r]));
        expect(byAddress(loadRows(premerged, { from: 'contacts' }))).toEqual(
          byAddress(loadRows(members, { from: 'contacts' })),
        );
        for (const row of loadRows(members, { from: 'contacts' })) {
          const own = members.filter((m) => m.address === row.address);
          const allAllow = own.every((m) => !m.doNotEmail && !m.doNotBulkEmail);
          expect(row.consent).toBe(allAllow ? 'optedIn' : 'optedOut');
          expect(row.tracking).toBe(own.every((m) => !m.doNotTrack) ? 'optedIn' : 'optedOut');
        }
      }),
    );
  });
});

describe('load CSV columns', () => {
  it('reads booleans as Dataverse exports and people write them', () => {
    for (const yes of ['true', 'TRUE', ' 1 ', 'yes', 'Do Not Allow']) expect(parseCsvBoolean(yes)).toBe(true);
    for (const no of ['false', 'False', '0', 'no', 'Allow']) expect(parseCsvBoolean(no)).toBe(false);
    expect(parseCsvBoolean('')).toBeUndefined();
    for (const bad of ['maybe', '2', 'y']) expect(parseCsvBoolean(bad)).toBe('invalid');
  });

  it('finds columns by Dataverse or simple names, case and punctuation ignored', () => {
    expect(
      mapColumns(['contactid', 'EmailAddress1', 'DoNotEmail', 'donotbulkemail', 'DoNotTrack'], 'contacts'),
    ).toEqual({ ok: true, columns: { email: 1, doNotEmail: 2, doNotBulkEmail: 3, doNotTrack: 4 } });
    expect(mapColumns(['Do not allow Bulk Emails', 'E-mail', 'Do not allow Emails'], 'leads')).toEqual({
      ok: true,
      columns: { email: 1, doNotEmail: 2, doNotBulkEmail: 0 },
    });
    expect(mapColumns(['email'], 'list')).toEqual({ ok: true, columns: { email: 0 } });
  });

  it('refuses a header that would silently opt everyone in', () => {
    const missing = mapColumns(['email', 'donotemail'], 'contacts');
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.message).toMatch(/doNotBulkEmail.*doNotTrack/);
    expect(mapColumns(['name'], 'list').ok).toBe(false);
  });
});
