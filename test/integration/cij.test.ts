/*
 * Customer Insights - Journeys' external consent provider (issue 25): the custom API's request as
 * the product sends it, answered per contact point in order, with GUID lookups and the URLs.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { profileGuid } from '../../shared/dataverse/entities';
import { apiClient, qs, uniqueEmail } from '../support/client';

const api = apiClient();
const tag = `${process.pid}${Date.now().toString(36)}`;
const P = `cij-${tag}`;
const PLAIN = `cij-plain-${tag}`;
const guids = {
  profile: randomUUID(),
  offers: randomUUID(),
  news: randomUUID(),
  events: randomUUID(),
  strict: randomUUID(),
};
const ids = {
  offers: `cij-offers-${tag}`,
  news: `cij-news-${tag}`,
  events: `cij-events-${tag}`,
  strict: `cij-strict-${tag}`,
};

beforeAll(async () => {
  const created = await Promise.all([
    api.put(`/api/profiles/${P}`, {
      name: 'Journeys brand',
      dataverseId: guids.profile.toUpperCase(),
      purposes: [
        {
          id: ids.offers,
          name: 'Offers',
          type: 'commercial',
          enforcement: 'nonRestrictive',
          dataverseId: guids.offers,
          topics: [
            { id: ids.news, name: 'News', dataverseId: guids.news },
            { id: ids.events, name: 'Events', dataverseId: guids.events },
          ],
        },
        { id: `cij-track-${tag}`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
      ],
    }),
    api.put(`/api/profiles/${PLAIN}`, {
      name: 'Plain',
      purposes: [
        {
          id: ids.strict,
          name: 'Members',
          type: 'commercial',
          enforcement: 'restrictive',
          dataverseId: guids.strict,
        },
        { id: `cij-plain-track-${tag}`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
      ],
    }),
  ]);
  for (const res of created) expect(res.status, JSON.stringify(res.body)).toBe(201);
});

/** The request of the consent-provider custom API, as Customer Insights - Journeys builds it. */
const request = (contactpoints: string[], extra: object = {}) => ({
  contactpoints,
  purpose: { Id: guids.offers, LogicalName: 'msdynmkt_purpose' },
  topic: { Id: guids.news, LogicalName: 'msdynmkt_topic' },
  channeltype: 'email',
  complianceprofile: { Id: guids.profile, LogicalName: 'msdynmkt_compliancesettings4' },
  owningbusinessunit: { Id: randomUUID(), LogicalName: 'businessunit' },
  unsubscribeurlrequired: true,
  oneclickunsubscribeurlrequired: true,
  correlationheaders: { 'x-ms-correlation-request-id': randomUUID() },
  ...extra,
});

describe('the consent-provider check (25.2)', () => {
  it('answers each contact point in order, as the check for a lead, with its URLs', async () => {
    const [optedOut, topicOut, fresh] = [uniqueEmail('cij-a'), uniqueEmail('cij-b'), uniqueEmail('cij-c')];
    await api.post('/api/consents', {
      records: [
        { channel: 'email', contactPoint: optedOut, purposeId: ids.offers, value: 'optedOut' },
        {
          channel: 'email',
          contactPoint: topicOut,
          purposeId: ids.offers,
          topicId: ids.news,
          value: 'optedOut',
        },
      ],
    });
    // Addresses as a journey holds them: other case, spaces.
    const given = [` ${optedOut.toUpperCase()} `, topicOut, fresh, 'not an address'];
    const res = await api.post('/api/cij/consent-check', request(given));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const consents = res.body.consents;
    expect(consents.map((c: any) => [c.contactpoint, c.consentformessage])).toEqual([
      [given[0], false],
      [given[1], false],
      [given[2], true],
      [given[3], false],
    ]);
    expect(consents[2].unsubscribeurl).toMatch(/\/api\/preferences\//);
    expect(consents[2].oneclickunsubscribeurl).toMatch(/\/api\/unsubscribe\//);
    expect(consents[3].unsubscribeurl).toBeUndefined();

    // The one-click URL works, and the next check says so.
    const click = await fetch(consents[2].oneclickunsubscribeurl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(click.status).toBe(200);
    const again = await api.post(
      '/api/cij/consent-check',
      request([fresh], { unsubscribeurlrequired: false }),
    );
    expect(again.body.consents).toEqual([
      { contactpoint: fresh, consentformessage: false, oneclickunsubscribeurl: expect.any(String) },
    ]);
    // Equal to /api/check for audience lead.
    const check = await api.post('/api/check', {
      dryRun: true,
      messages: [
        {
          messageId: '1',
          channel: 'email',
          contactPoint: topicOut,
          profileId: P,
          purposeId: ids.offers,
          topicId: ids.news,
          audience: 'lead',
        },
      ],
    });
    expect(check.body.decisions[0].decision).toBe('blocked');
  });

  it('finds a profile without a dataverseId by its derived GUID; asks for no URLs when none are wanted', async () => {
    const email = uniqueEmail('cij-plain');
    const res = await api.post('/api/cij/consent-check', {
      contactpoints: [email],
      purpose: { Id: guids.strict.toUpperCase(), LogicalName: 'msdynmkt_purpose' },
      channeltype: 'email',
      complianceprofile: { Id: profileGuid({ id: PLAIN }), LogicalName: 'msdynmkt_compliancesettings4' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Restrictive and no opt-in.
    expect(res.body.consents).toEqual([{ contactpoint: email, consentformessage: false }]);
  });

  it('refuses unknown GUIDs, a purpose of another profile, a topic of nothing, and push, naming each', async () => {
    const cases: Array<[object, string]> = [
      [{ complianceprofile: { Id: randomUUID() } }, 'complianceprofile.Id'],
      [{ purpose: { Id: randomUUID() } }, 'purpose.Id'],
      [{ purpose: { Id: guids.strict } }, 'purpose.Id'],
      [{ topic: { Id: randomUUID() } }, 'topic.Id'],
      [{ channeltype: 'push' }, 'channeltype'],
      [{ purpose: { Id: 'not-a-guid' } }, 'purpose.Id'],
      [{ contactpoints: [] }, 'contactpoints'],
    ];
    for (const [extra, path] of cases) {
      const res = await api.post('/api/cij/consent-check', request([uniqueEmail('cij-bad')], extra));
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.body.errors.map((e: any) => e.path)).toContain(path);
    }
    const stored = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: uniqueEmail('x') })}`);
    expect(stored.status).toBe(200);
  });

  it('a profile GUID is unique across profiles', async () => {
    const res = await api.put(`/api/profiles/cij-dup-${tag}`, {
      name: 'Duplicate',
      dataverseId: guids.profile,
      purposes: [{ id: `cij-dup-o-${tag}`, name: 'O', type: 'commercial', enforcement: 'nonRestrictive' }],
    });
    expect(res.status).toBe(400);
  });
});
