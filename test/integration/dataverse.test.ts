/*
 * The Dataverse Web API routes, replaying what clients of msdynmkt_contactpointconsent4 send: the
 * Web API create of seed 000, the cloud flow of seed 001 step by step (List rows with its filter,
 * Add a new row when empty, Update a row for each match), topic rows, paging, $select, If-Match,
 * and every error in the Dataverse shape.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, qs, uniqueEmail } from '../support/client';

const api = apiClient();
const DV = `${inject('hostUrl')}/api/data/v9.2`;
const tag = `${process.pid}${Date.now().toString(36)}`;
const PROFILE = `dv-${tag}`;
const ids = {
  marketing: `dv-mkt-${tag}`,
  news: `dv-news-${tag}`,
  events: `dv-events-${tag}`,
  tracking: `dv-trk-${tag}`,
};
/** A purpose with a GUID of its own, as Customer Insights - Journeys data would have. */
const MARKETING_GUID = '8a6e4f2d-1c3b-4f5e-9d7a-0b1c2d3e4f50';
const NEWS_GUID = '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9';

interface DvResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** A Web API call as a Dataverse client makes it: the key in a header, JSON, OData-Version. */
async function dv(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<DvResponse> {
  const res = await fetch(path.startsWith('http') ? path : `${DV}${path}`, {
    method,
    headers: {
      'x-functions-key': inject('functionKey'),
      accept: 'application/json',
      'OData-MaxVersion': '4.0',
      'OData-Version': '4.0',
      ...(body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

function expectDataverseError(res: DvResponse, status: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('odata-version')).toBe('4.0');
  expect(res.headers.get('content-type')).not.toContain('problem');
  expect(res.body).toEqual({
    error: { code: expect.stringMatching(/^0x[0-9a-f]{8}$/), message: expect.any(String) },
  });
}

const filterOf = (email: string, purposeGuid: string) =>
  `msdynmkt_contactpointvalue eq '${email.replace(/'/g, "''")}' and _msdynmkt_purposeid_value eq ${purposeGuid} and msdynmkt_contactpointconsenttype eq 534120000 and msdynmkt_contactpointtype eq 534120000`;

beforeAll(async () => {
  const res = await api.put(`/api/profiles/${PROFILE}`, {
    name: 'Dataverse',
    purposes: [
      {
        id: ids.marketing,
        name: 'Marketing',
        type: 'commercial',
        dataverseId: MARKETING_GUID.toUpperCase(),
        enforcement: 'nonRestrictive',
        topics: [
          { id: ids.news, name: 'News', dataverseId: NEWS_GUID },
          { id: ids.events, name: 'Events' },
        ],
      },
      { id: ids.tracking, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.purposes[0].dataverseId).toBe(MARKETING_GUID);
});

describe('purposes and topics, for looking up GUIDs', () => {
  it('lists purposes and topics with their GUIDs: dataverseId when given, else a fixed UUID v5', async () => {
    const purposes = await dv(
      'GET',
      `/msdynmkt_purposes?$filter=${encodeURIComponent(`msdynmkt_name eq 'Marketing'`)}`,
    );
    expect(purposes.status).toBe(200);
    expect(purposes.body.value).toContainEqual({
      msdynmkt_purposeid: MARKETING_GUID,
      msdynmkt_name: 'Marketing',
      msdynmkt_type: 534120000,
    });
    const topics = await dv(
      'GET',
      `/msdynmkt_topics?$filter=${encodeURIComponent(`_msdynmkt_purposeid_value eq ${MARKETING_GUID}`)}`,
    );
    const events = topics.body.value.find((t: any) => t.msdynmkt_name === 'Events');
    expect(topics.body.value.map((t: any) => t.msdynmkt_name).sort()).toEqual(['Events', 'News']);
    expect(topics.body.value.find((t: any) => t.msdynmkt_name === 'News').msdynmkt_topicid).toBe(NEWS_GUID);
    expect(events.msdynmkt_topicid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-/);
    expect((await dv('GET', `/msdynmkt_topics(${events.msdynmkt_topicid})`)).body.msdynmkt_name).toBe(
      'Events',
    );
    expectDataverseError(await dv('GET', `/msdynmkt_purposes(00000000-0000-4000-8000-000000000000)`), 404);
  });

  it('refuses a dataverseId another purpose or topic already has (409)', async () => {
    const res = await api.put(`/api/profiles/dv-clash-${tag}`, {
      name: 'Clash',
      purposes: [
        {
          id: `dv-clash-p-${tag}`,
          name: 'P',
          type: 'commercial',
          enforcement: 'nonRestrictive',
          dataverseId: MARKETING_GUID,
        },
        { id: `dv-clash-t-${tag}`, name: 'T', type: 'tracking', enforcement: 'nonRestrictive' },
      ],
    });
    expect(res.status).toBe(409);
  });
});

describe('seed 000: creating a contact point consent row with the Web API', () => {
  it('POST answers 204 with OData-EntityId; the row is the native record, its GUID the record id', async () => {
    const email = uniqueEmail('seed000');
    const res = await dv('POST', '/msdynmkt_contactpointconsent4s', {
      msdynmkt_contactpointvalue: email,
      msdynmkt_contactpointtype: 534120000,
      msdynmkt_value: 534120001,
      'msdynmkt_purposeId@odata.bind': `/msdynmkt_purposes(${MARKETING_GUID})`,
      msdynmkt_logicalreason: 534120000,
      msdynmkt_source: 534120005,
      statuscode: 1,
      'ownerid@odata.bind': '/systemusers(7f0e9a5c-1d2b-4c3a-8e9f-0a1b2c3d4e5f)',
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('odata-version')).toBe('4.0');
    const entityId = res.headers.get('odata-entityid')!;
    const id = /msdynmkt_contactpointconsent4s\(([0-9a-f-]{36})\)$/.exec(entityId)![1]!;
    expect(entityId.startsWith(`${DV}/`)).toBe(true);

    const native = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`);
    expect(native.body.records).toHaveLength(1);
    expect(native.body.records[0]).toMatchObject({
      id,
      purposeId: ids.marketing,
      value: 'optedIn',
      source: 'form',
      reason: 'optInAdvertisement',
      owner: '7f0e9a5c-1d2b-4c3a-8e9f-0a1b2c3d4e5f',
    });

    const row = await dv('GET', `/msdynmkt_contactpointconsent4s(${id})`);
    expect(row.status).toBe(200);
    expect(row.body).toMatchObject({
      '@odata.etag': `W/"${native.body.records[0].version}"`,
      msdynmkt_contactpointconsent4id: id,
      msdynmkt_contactpointvalue: email,
      msdynmkt_contactpointtype: 534120000,
      msdynmkt_contactpointconsenttype: 534120000,
      msdynmkt_value: 534120001,
      _msdynmkt_purposeid_value: MARKETING_GUID,
      _msdynmkt_topicid_value: null,
      msdynmkt_source: 534120005,
      msdynmkt_logicalreason: 534120000,
      statecode: 0,
      statuscode: 1,
      _ownerid_value: '7f0e9a5c-1d2b-4c3a-8e9f-0a1b2c3d4e5f',
      versionnumber: Number(native.body.records[0].version),
    });
    expect(row.body.createdon).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('with Prefer: return=representation answers 201 and the row; the same key again updates that row', async () => {
    const email = uniqueEmail('represent');
    const body = {
      msdynmkt_contactpointvalue: email.toUpperCase(),
      msdynmkt_contactpointtype: 534120000,
      msdynmkt_value: 534120001,
      'msdynmkt_purposeId@odata.bind': `msdynmkt_purposes(${MARKETING_GUID})`,
    };
    const first = await dv('POST', '/msdynmkt_contactpointconsent4s', body, {
      prefer: 'return=representation',
    });
    expect(first.status).toBe(201);
    expect(first.headers.get('preference-applied')).toBe('return=representation');
    expect(first.body).toMatchObject({ msdynmkt_contactpointvalue: email, msdynmkt_value: 534120001 });
    const again = await dv(
      'POST',
      '/msdynmkt_contactpointconsent4s',
      { ...body, msdynmkt_value: 534120002 },
      { prefer: 'return=representation' },
    );
    expect(again.body.msdynmkt_contactpointconsent4id).toBe(first.body.msdynmkt_contactpointconsent4id);
    expect(again.body.msdynmkt_value).toBe(534120002);
  });
});

describe("seed 001: the cloud flow that keeps a contact's consent in step", () => {
  /** One run of the flow, as Power Automate performs it. */
  async function runFlow(email: string, donotemail: boolean, donotbulkemail: boolean) {
    const value = !donotemail && !donotbulkemail ? 534120001 : 534120002;
    // 5. List rows with the flow's filter.
    const listed = await dv(
      'GET',
      `/msdynmkt_contactpointconsent4s?$filter=${encodeURIComponent(filterOf(email, MARKETING_GUID))}`,
    );
    expect(listed.status).toBe(200);
    // 6. Condition: empty(outputs('List_rows')?['body/value'])
    if (listed.body.value.length === 0) {
      // 7. Add a new row.
      const added = await dv('POST', '/msdynmkt_contactpointconsent4s', {
        msdynmkt_contactpointtype: 534120000,
        msdynmkt_value: value,
        msdynmkt_contactpointvalue: email,
        'msdynmkt_purposeId@odata.bind': `msdynmkt_purposes(${MARKETING_GUID})`,
        msdynmkt_logicalreason: 534119999,
        msdynmkt_reason: 'cloud-flow-sync',
        msdynmkt_source: 534120000,
        msdynmkt_contactpointconsenttype: 534120000,
      });
      expect(added.status).toBe(204);
      return 'added';
    }
    // 8. Apply to each: Update a row.
    for (const row of listed.body.value) {
      const updated = await dv(
        'PATCH',
        `/msdynmkt_contactpointconsent4s(${row.msdynmkt_contactpointconsent4id})`,
        {
          msdynmkt_value: value,
          msdynmkt_logicalreason: 534119999,
          msdynmkt_reason: 'cloud-flow-sync',
          msdynmkt_source: 534120000,
          msdynmkt_contactpointconsenttype: 534120000,
        },
        { 'if-match': '*' },
      );
      expect(updated.status).toBe(204);
    }
    return 'updated';
  }

  it('adds the row the first time, updates it after, and the check follows every run', async () => {
    const email = uniqueEmail('flow');
    const decide = async () =>
      (
        await api.post('/api/check', {
          messages: [
            {
              messageId: 'm',
              channel: 'email',
              contactPoint: email,
              profileId: PROFILE,
              purposeId: ids.marketing,
            },
          ],
        })
      ).body.decisions[0].decision;
    expect(await runFlow(email, false, false)).toBe('added');
    expect(await decide()).toBe('sent');
    expect(await runFlow(email, false, true)).toBe('updated');
    expect(await decide()).toBe('blocked');
    expect(await runFlow(email.toUpperCase(), false, false)).toBe('updated');
    expect(await decide()).toBe('sent');
    // The loop breaker of seed 001: a run that changes nothing leaves no history entry.
    expect(await runFlow(email, false, false)).toBe('updated');
    const history = await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint: email })}`);
    expect(history.body.entries.map((e: any) => e.after.value)).toEqual(['optedIn', 'optedOut', 'optedIn']);
    expect(history.body.entries[0].after.reasonDescription).toBe('cloud-flow-sync');
  });

  it('creates and lists topic rows with their purpose, as the flow extended to topics does', async () => {
    const email = uniqueEmail('topic');
    const created = await dv('POST', '/msdynmkt_contactpointconsent4s', {
      msdynmkt_contactpointtype: 534120000,
      msdynmkt_contactpointconsenttype: 534120001,
      msdynmkt_value: 534120001,
      msdynmkt_contactpointvalue: email,
      'msdynmkt_purposeId@odata.bind': `/msdynmkt_purposes(${MARKETING_GUID})`,
      'msdynmkt_topicId@odata.bind': `/msdynmkt_topics(${NEWS_GUID})`,
    });
    expect(created.status).toBe(204);
    const filter = `msdynmkt_contactpointvalue eq '${email}' and msdynmkt_contactpointconsenttype eq 534120001 and _msdynmkt_topicid_value eq ${NEWS_GUID}`;
    const listed = await dv('GET', `/msdynmkt_contactpointconsent4s?$filter=${encodeURIComponent(filter)}`);
    expect(listed.body.value).toHaveLength(1);
    expect(listed.body.value[0]).toMatchObject({
      _msdynmkt_purposeid_value: MARKETING_GUID,
      _msdynmkt_topicid_value: NEWS_GUID,
    });
    const native = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`);
    expect(native.body.records[0]).toMatchObject({ purposeId: ids.marketing, topicId: ids.news });
  });
});

describe('queries', () => {
  it('pages through @odata.nextLink with Prefer: odata.maxpagesize; every row once', async () => {
    const points = Array.from({ length: 7 }, (_, i) => uniqueEmail(`page${i}`));
    await api.post('/api/consents', {
      records: points.map((cp) => ({
        channel: 'email',
        contactPoint: cp,
        purposeId: ids.marketing,
        topicId: ids.events,
        value: 'optedOut',
      })),
    });
    const events = (
      await dv('GET', `/msdynmkt_topics?$filter=${encodeURIComponent(`msdynmkt_name eq 'Events'`)}`)
    ).body.value[0].msdynmkt_topicid;
    let next: string | undefined =
      `/msdynmkt_contactpointconsent4s?$filter=${encodeURIComponent(`_msdynmkt_topicid_value eq ${events}`)}&$select=msdynmkt_contactpointvalue,msdynmkt_value`;
    const seen: string[] = [];
    let pages = 0;
    while (next) {
      const page = await dv('GET', next, undefined, {
        prefer: 'odata.maxpagesize=3, odata.include-annotations="*"',
      });
      expect(page.status).toBe(200);
      expect(page.headers.get('preference-applied')).toBe('odata.maxpagesize=3');
      expect(page.body['@odata.context']).toMatch(
        /\$metadata#msdynmkt_contactpointconsent4s\(msdynmkt_contactpointvalue,msdynmkt_value\)$/,
      );
      expect(page.body.value.length).toBeLessThanOrEqual(3);
      for (const row of page.body.value) {
        expect(Object.keys(row).sort()).toEqual([
          '@odata.etag',
          'msdynmkt_contactpointconsent4id',
          'msdynmkt_contactpointvalue',
          'msdynmkt_value',
        ]);
        seen.push(row.msdynmkt_contactpointvalue);
      }
      next = page.body['@odata.nextLink'];
      if (next) expect(next.startsWith(`${DV}/msdynmkt_contactpointconsent4s?`)).toBe(true);
      pages++;
    }
    expect(seen.sort()).toEqual(points.sort());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('serves or, not, parentheses, date ranges, $top and a normalized address literal', async () => {
    const email = uniqueEmail('query');
    const before = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    await api.post('/api/consents', {
      records: [
        {
          channel: 'email',
          contactPoint: email,
          purposeId: ids.marketing,
          value: 'optedIn',
          reasonDescription: "O'Brien's list",
        },
        { channel: 'email', contactPoint: email, purposeId: ids.tracking, value: 'optedOut' },
      ],
    });
    const query = async (filter: string, extra = '') =>
      (await dv('GET', `/msdynmkt_contactpointconsent4s?$filter=${encodeURIComponent(filter)}${extra}`)).body
        .value as any[];
    const address = `msdynmkt_contactpointvalue eq '${email.toUpperCase()}'`;
    expect(await query(address)).toHaveLength(2);
    expect(
      await query(`${address} and (msdynmkt_value eq 534120002 or msdynmkt_reason eq 'O''Brien''s list')`),
    ).toHaveLength(2);
    expect(await query(`${address} and not (msdynmkt_value eq 534120002)`)).toHaveLength(1);
    expect(
      await query(`${address} and modifiedon ge ${before} and _msdynmkt_topicid_value eq null`),
    ).toHaveLength(2);
    expect(await query(`${address} and modifiedon lt ${before}`)).toHaveLength(0);
    expect(await query(`${address}`, '&$top=1')).toHaveLength(1);
    // Not pinned to an address: served by the list, page after page until no nextLink comes.
    const listed: any[] = [];
    let next: string | undefined =
      `/msdynmkt_contactpointconsent4s?$filter=${encodeURIComponent(`msdynmkt_reason eq 'O''Brien''s list' and modifiedon ge ${before}`)}`;
    while (next) {
      const page = await dv('GET', next);
      expect(page.status).toBe(200);
      listed.push(...page.body.value);
      next = page.body['@odata.nextLink'];
    }
    expect(listed.map((r) => r.msdynmkt_contactpointvalue)).toContain(email);
  });
});

describe('updates', () => {
  it('PATCH with If-Match: the current ETag applies, a stale one is 412 and changes nothing', async () => {
    const email = uniqueEmail('etag');
    const created = await dv(
      'POST',
      '/msdynmkt_contactpointconsent4s',
      {
        msdynmkt_contactpointvalue: email,
        msdynmkt_contactpointtype: 534120000,
        msdynmkt_value: 534120001,
        'msdynmkt_purposeId@odata.bind': `/msdynmkt_purposes(${MARKETING_GUID})`,
      },
      { prefer: 'return=representation' },
    );
    const url = `/msdynmkt_contactpointconsent4s(${created.body.msdynmkt_contactpointconsent4id})`;
    const etag = created.body['@odata.etag'];
    const updated = await dv(
      'PATCH',
      url,
      { msdynmkt_value: 534120002, statecode: 1, statuscode: 2 },
      { 'if-match': etag, prefer: 'return=representation' },
    );
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ msdynmkt_value: 534120002, statecode: 1, statuscode: 2 });
    expect(updated.body['@odata.etag']).not.toBe(etag);
    expectDataverseError(await dv('PATCH', url, { msdynmkt_value: 534120001 }, { 'if-match': etag }), 412);
    expect((await dv('GET', url)).body.msdynmkt_value).toBe(534120002);
    // The actor of a change is msdynmkt_modifiedonbehalf when given.
    await dv('PATCH', url, { msdynmkt_value: 534120001, msdynmkt_modifiedonbehalf: 'crm-sync@contoso.com' });
    const history = await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint: email })}`);
    expect(history.body.entries[0].actor).toBe('crm-sync@contoso.com');
    expect((await dv('GET', url)).body.msdynmkt_modifiedonbehalf).toBe('crm-sync@contoso.com');
  });

  it('a change through either API is visible through the other at once', async () => {
    const email = uniqueEmail('both');
    const native = await api.post('/api/consents', {
      channel: 'email',
      contactPoint: email,
      purposeId: ids.marketing,
      value: 'optedIn',
    });
    const id = native.body.results[0].record.id;
    expect((await dv('GET', `/msdynmkt_contactpointconsent4s(${id})`)).body.msdynmkt_value).toBe(534120001);
    await dv('PATCH', `/msdynmkt_contactpointconsent4s(${id})`, { msdynmkt_value: 534120002 });
    const read = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`);
    expect(read.body.records[0]).toMatchObject({ id, value: 'optedOut' });
  });
});

describe('refusals, in the Dataverse error shape', () => {
  it('every bad request: 400, 404, 405, 412, never problem+json', async () => {
    const email = uniqueEmail('errors');
    const created = await dv('POST', '/msdynmkt_contactpointconsent4s', {
      msdynmkt_contactpointvalue: email,
      msdynmkt_contactpointtype: 534120000,
      msdynmkt_value: 534120001,
      'msdynmkt_purposeId@odata.bind': `/msdynmkt_purposes(${MARKETING_GUID})`,
    });
    const id = /\(([0-9a-f-]{36})\)$/.exec(created.headers.get('odata-entityid')!)![1];
    const row = `/msdynmkt_contactpointconsent4s(${id})`;
    const good = {
      msdynmkt_contactpointvalue: uniqueEmail(),
      msdynmkt_contactpointtype: 534120000,
      msdynmkt_value: 534120001,
      'msdynmkt_purposeId@odata.bind': `/msdynmkt_purposes(${MARKETING_GUID})`,
    };
    const cases: Array<[string, Promise<DvResponse>, number]> = [
      ['unknown column', dv('POST', '/msdynmkt_contactpointconsent4s', { ...good, msdynmkt_nosuch: 1 }), 400],
      [
        'read-only column',
        dv('POST', '/msdynmkt_contactpointconsent4s', { ...good, createdon: '2026-01-01T00:00:00Z' }),
        400,
      ],
      [
        'no purpose',
        dv('POST', '/msdynmkt_contactpointconsent4s', {
          ...good,
          'msdynmkt_purposeId@odata.bind': undefined,
        }),
        400,
      ],
      [
        'unknown purpose',
        dv('POST', '/msdynmkt_contactpointconsent4s', {
          ...good,
          'msdynmkt_purposeId@odata.bind': '/msdynmkt_purposes(00000000-0000-4000-8000-000000000000)',
        }),
        400,
      ],
      [
        'bad bind',
        dv('POST', '/msdynmkt_contactpointconsent4s', {
          ...good,
          'msdynmkt_purposeId@odata.bind': 'marketing',
        }),
        400,
      ],
      [
        'bad option value',
        dv('POST', '/msdynmkt_contactpointconsent4s', { ...good, msdynmkt_value: 7 }),
        400,
      ],
      [
        'topic type without topic',
        dv('POST', '/msdynmkt_contactpointconsent4s', {
          ...good,
          msdynmkt_contactpointconsenttype: 534120001,
        }),
        400,
      ],
      [
        'topic of another purpose',
        dv('POST', '/msdynmkt_contactpointconsent4s', {
          ...good,
          'msdynmkt_purposeId@odata.bind': `/msdynmkt_purposes(${MARKETING_GUID})`,
          'msdynmkt_topicId@odata.bind': '/msdynmkt_topics(00000000-0000-4000-8000-000000000001)',
        }),
        400,
      ],
      [
        'bad address',
        dv('POST', '/msdynmkt_contactpointconsent4s', {
          ...good,
          msdynmkt_contactpointvalue: 'not an address',
        }),
        400,
      ],
      [
        'inconsistent state',
        dv('POST', '/msdynmkt_contactpointconsent4s', { ...good, statecode: 0, statuscode: 2 }),
        400,
      ],
      [
        'malformed JSON',
        fetch(`${DV}/msdynmkt_contactpointconsent4s`, {
          method: 'POST',
          headers: { 'x-functions-key': inject('functionKey'), 'content-type': 'application/json' },
          body: '{"msdynmkt_value":',
        }).then(async (r) => ({ status: r.status, headers: r.headers, body: JSON.parse(await r.text()) })),
        400,
      ],
      ['changing the address', dv('PATCH', row, { msdynmkt_contactpointvalue: uniqueEmail() }), 400],
      [
        'changing the purpose',
        dv('PATCH', row, {
          'msdynmkt_purposeId@odata.bind': `/msdynmkt_purposes(${(await dv('GET', '/msdynmkt_purposes')).body.value.find((p: any) => p.msdynmkt_name === 'Commercial').msdynmkt_purposeid})`,
        }),
        400,
      ],
      ['changing the type', dv('PATCH', row, { msdynmkt_contactpointconsenttype: 534120001 }), 400],
      ['not an ETag', dv('PATCH', row, { msdynmkt_value: 534120002 }, { 'if-match': 'garbage' }), 412],
      [
        'unknown row',
        dv('GET', '/msdynmkt_contactpointconsent4s(00000000-0000-4000-8000-000000000000)'),
        404,
      ],
      [
        'unknown row PATCH',
        dv(
          'PATCH',
          '/msdynmkt_contactpointconsent4s(00000000-0000-4000-8000-000000000000)',
          { msdynmkt_value: 534120002 },
          { 'if-match': '*' },
        ),
        404,
      ],
      ['unknown entity set', dv('GET', '/accounts'), 404],
      ['DELETE', dv('DELETE', row), 405],
      ['$expand', dv('GET', '/msdynmkt_contactpointconsent4s?$expand=msdynmkt_purposeid'), 400],
      ['$apply', dv('GET', '/msdynmkt_contactpointconsent4s?$apply=groupby((msdynmkt_value))'), 400],
      ['$orderby', dv('GET', '/msdynmkt_contactpointconsent4s?$orderby=modifiedon desc'), 400],
      ['$batch', dv('POST', '/$batch', {}), 400],
      [
        'bad $filter',
        dv('GET', `/msdynmkt_contactpointconsent4s?$filter=${encodeURIComponent("msdynmkt_value eq 'x'")}`),
        400,
      ],
      [
        'function in $filter',
        dv(
          'GET',
          `/msdynmkt_contactpointconsent4s?$filter=${encodeURIComponent("contains(msdynmkt_contactpointvalue,'a')")}`,
        ),
        400,
      ],
      ['bad $select', dv('GET', '/msdynmkt_contactpointconsent4s?$select=nosuch'), 400],
      ['bad $top', dv('GET', '/msdynmkt_contactpointconsent4s?$top=-1'), 400],
      ['bad $skiptoken', dv('GET', '/msdynmkt_contactpointconsent4s?$skiptoken=garbage'), 400],
      ['property path', dv('GET', `${row}/msdynmkt_value`), 400],
    ];
    for (const [what, pending, status] of cases) {
      const res = await pending;
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(status);
      expectDataverseError(res, status);
    }
    // None of those wrote anything: the row is as created, and the refused new address has no row.
    expect((await dv('GET', row)).body.msdynmkt_value).toBe(534120001);
    expect(
      (
        await api.get(
          `/api/consents${qs({ channel: 'email', contactPoint: good.msdynmkt_contactpointvalue })}`,
        )
      ).body.records,
    ).toEqual([]);
    // Without the key, the host refuses as for any function route.
    expect((await fetch(`${DV}/msdynmkt_purposes`)).status).toBe(401);
  });

  it('names the position of what a $filter could not read', async () => {
    const res = await dv(
      'GET',
      `/msdynmkt_contactpointconsent4s?$filter=${encodeURIComponent('msdynmkt_value eq 534120001 and')}`,
    );
    expectDataverseError(res, 400);
    expect(res.body.error.message).toMatch(/position 32/);
  });
});
