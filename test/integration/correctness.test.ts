/*
 * The defects that could lose an opt-out or split one mailbox in two, each proven at the level a
 * client sees: HTTP against the local host over Azurite.
 */
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { contactPointKey } from '../../shared/storage/keys';
import { apiClient, qs, uniqueEmail } from '../support/client';
import { startHost, type RunningHost } from '../support/processes';

const api = apiClient();
const tag = `${process.pid}${Date.now().toString(36)}`;

function record(contactPoint: string, overrides: Record<string, unknown> = {}) {
  return { channel: 'email', contactPoint, purposeId: 'commercial', value: 'optedIn', ...overrides };
}

async function stored(channel: string, contactPoint: string) {
  const res = await api.get(`/api/consents${qs({ channel, contactPoint })}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { contactPoint: string; records: any[] };
}

async function decide(channel: string, contactPoint: string, extra: Record<string, unknown> = {}) {
  const res = await api.post('/api/check', {
    messages: [
      { messageId: 'm', channel, contactPoint, profileId: 'default', purposeId: 'commercial', ...extra },
    ],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.decisions[0];
}

describe('1. the outcome never depends on arrival order', () => {
  const events = [
    { value: 'optedIn', capturedAt: '2026-11-01T10:00:00Z' },
    { value: 'optedIn', capturedAt: '2026-11-01T12:00:00Z' },
    { value: 'optedOut', capturedAt: '2026-11-01T11:00:00Z' },
  ];
  const orders = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ];

  it('optedIn@10, optedIn@12, optedOut@11 end optedIn in every arrival order, one request each', async () => {
    for (const order of orders) {
      const email = uniqueEmail('order');
      const outcomes: string[] = [];
      for (const i of order) {
        const res = await api.post('/api/consents', record(email, events[i]));
        expect(res.status).toBe(200);
        outcomes.push(res.body.results[0].outcome);
      }
      const { records } = await stored('email', email);
      expect(
        records.map((r) => r.value),
        `order ${order.join(',')}: ${outcomes.join(',')}`,
      ).toEqual(['optedIn']);
      expect((await decide('email', email)).decision).toBe('sent');
    }
  });

  it('the same holds within one request, and a duplicate of the newest event is unchanged', async () => {
    for (const order of orders) {
      const email = uniqueEmail('order-batch');
      const res = await api.post('/api/consents', { records: order.map((i) => record(email, events[i])) });
      expect(res.status).toBe(200);
      expect((await stored('email', email)).records.map((r) => r.value)).toEqual(['optedIn']);
    }
  });

  it('moving the capture mark writes no history entry', async () => {
    const email = uniqueEmail('mark');
    await api.post('/api/consents', record(email, events[0]));
    const unchanged = await api.post('/api/consents', record(email, events[1]));
    expect(unchanged.body.results[0].outcome).toBe('unchanged');
    const stale = await api.post('/api/consents', record(email, events[2]));
    expect(stale.body.results[0].outcome).toBe('stale');
    const history = await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint: email })}`);
    expect(history.body.entries).toHaveLength(1);
    // The record itself still equals its one history entry.
    expect((await stored('email', email)).records[0]).toEqual(history.body.entries[0].after);
  });
});

describe('2. a capture time later than receipt counts as receipt time', () => {
  it("a CRM write captured 4 minutes ahead does not make the person's own opt-out stale", async () => {
    const email = uniqueEmail('future');
    const ahead = new Date(Date.now() + 4 * 60 * 1000).toISOString();
    const crm = await api.post('/api/consents', record(email, { capturedAt: ahead }));
    expect(crm.status).toBe(200);
    expect(Date.parse(crm.body.results[0].record.capturedAt)).toBeLessThanOrEqual(Date.now());
    const optOut = await api.post('/api/preference-center', {
      profileId: 'default',
      channel: 'email',
      contactPoint: email,
      choices: [{ purposeId: 'commercial', value: 'optedOut' }],
    });
    expect(optOut.status).toBe(200);
    expect(optOut.body.results[0].outcome).toBe('updated');
    expect((await decide('email', email)).reasons).toEqual(['purpose-opted-out']);
  });
});

describe('4. every failing check is named', () => {
  it('an unknown topic does not hide the purpose opt-out', async () => {
    const email = uniqueEmail('unknown-topic');
    await api.post('/api/consents', record(email, { value: 'optedOut' }));
    const decision = await decide('email', email, { topicId: `no-such-topic-${tag}` });
    expect(decision.decision).toBe('blocked');
    expect(decision.reasons).toEqual(expect.arrayContaining(['purpose-opted-out', 'unknown-topic']));
    expect(decision.reasons).toHaveLength(2);
  });
});

describe('6. one mailbox is one contact point, whatever the spelling', () => {
  it('x@xn--bcher-kva.de, x@bücher.de, the NFD spelling and upper case are one contact point', async () => {
    const local = `x.${tag}`;
    const write = await api.post('/api/consents', record(`${local}@xn--bcher-kva.de`, { value: 'optedOut' }));
    expect(write.status).toBe(200);
    expect(write.body.results[0].record.contactPoint).toBe(`${local}@bücher.de`);
    for (const spelling of [
      `${local}@bücher.de`,
      `${local}@bu\u0308cher.de`,
      `${local.toUpperCase()}@BÜCHER.DE`,
      `${local}@XN--BCHER-KVA.DE`,
    ]) {
      expect((await stored('email', spelling)).contactPoint, spelling).toBe(`${local}@bücher.de`);
      expect((await decide('email', spelling)).reasons, spelling).toEqual(['purpose-opted-out']);
    }
  });

  it('a full-width spelling of example.com is example.com', async () => {
    const email = uniqueEmail('fullwidth');
    const [local] = email.split('@');
    await api.post('/api/consents', record(email, { value: 'optedOut' }));
    const fullWidth = `${local}@ｅｘａｍｐｌｅ．ｃｏｍ`;
    expect((await stored('email', fullWidth)).contactPoint).toBe(email);
    expect((await decide('email', fullWidth)).decision).toBe('blocked');
  });

  it('accepts internationalized domains in Indic, Thai and Cyrillic scripts, and an NFC local part', async () => {
    for (const domain of ['example.भारत', 'ไทย.ไทย', 'пример.рф', 'xn--e1afmkfd.xn--p1ai']) {
      const res = await api.post('/api/consents', record(`user.${tag}@${domain}`));
      expect(res.status, `${domain}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    expect((await stored('email', `user.${tag}@xn--e1afmkfd.xn--p1ai`)).contactPoint).toBe(
      `user.${tag}@пример.рф`,
    );
    const nfd = `jose\u0301.${tag}@example.com`;
    await api.post('/api/consents', record(nfd, { value: 'optedOut' }));
    expect((await stored('email', `JOS\u00c9.${tag}@example.com`)).records).toHaveLength(1);
  });

  it('refuses a domain the mapping rejects', async () => {
    for (const bad of [
      `a.${tag}@exa mple.com`,
      `a.${tag}@xn--zz.com`,
      `a.${tag}@1.2.3.4`,
      `a.${tag}@-x.com`,
    ]) {
      const res = await api.post('/api/consents', record(bad));
      expect(res.status, bad).toBe(400);
      expect(res.body.errors[0].path).toBe('records[0].contactPoint');
    }
  });
});

describe('6b. two addresses never share stored consent', () => {
  it('an address whose partition holds another address is refused on read, write and check, and nothing is written', async () => {
    const owner = uniqueEmail('owner');
    const other = uniqueEmail('other');
    expect((await api.post('/api/consents', record(owner, { value: 'optedOut' }))).status).toBe(200);
    // Stand in for an 80-bit digest collision: the owner's state entity under the other's key.
    const table = TableClient.fromConnectionString(inject('storageConnection'), 'itestConsents', {
      allowInsecureConnection: true,
    });
    const {
      etag: _etag,
      timestamp: _timestamp,
      ...state
    } = await table.getEntity<Record<string, unknown>>(contactPointKey('email', owner), 'state');
    const otherKey = contactPointKey('email', other);
    await table.createEntity({ ...state, partitionKey: otherKey, rowKey: 'state' });
    const before = await table.getEntity<Record<string, unknown>>(otherKey, 'state');

    const read = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: other })}`);
    expect(read.status).toBe(409);
    const write = await api.post('/api/consents', record(other, { value: 'optedIn' }));
    expect(write.status).toBe(409);
    const check = await api.post('/api/check', {
      messages: [
        {
          messageId: 'm',
          channel: 'email',
          contactPoint: other,
          profileId: 'default',
          purposeId: 'commercial',
        },
      ],
    });
    expect(check.status).toBe(409);
    expect((await table.getEntity<Record<string, unknown>>(otherKey, 'state')).etag).toBe(before.etag);
    expect((await stored('email', owner)).records.map((r) => r.value)).toEqual(['optedOut']);
  });
});

describe('7. the whole value must be the phone number', () => {
  it.each(['Call me at 425 555 0100 please', '+14255550100abc', '+14255550100\u0000', 'tel:+14255550100'])(
    'refuses %j instead of extracting a number from it',
    async (raw) => {
      const res = await api.post('/api/consents', record(raw, { channel: 'sms' }));
      expect(res.status).toBe(400);
      expect(res.body.errors[0].path).toBe('records[0].contactPoint');
    },
  );

  it('a text message number takes no extension; a voice number keeps it, one contact point per extension', async () => {
    expect((await api.post('/api/consents', record('+14255550142;ext=12', { channel: 'sms' }))).status).toBe(
      400,
    );
    const twelve = await api.post(
      '/api/consents',
      record('+1 425 555 0142 ext. 12', { channel: 'voice', value: 'optedOut' }),
    );
    expect(twelve.status).toBe(200);
    expect(twelve.body.results[0].record.contactPoint).toBe('+14255550142;ext=12');
    expect((await stored('voice', '+14255550142;ext=12')).records).toHaveLength(1);
    expect((await stored('voice', '+14255550142 x13')).records).toHaveLength(0);
    expect((await decide('voice', '+14255550142;ext=12')).reasons).toEqual(['purpose-opted-out']);
  });
});

describe('8. records belong to their topic', () => {
  const profile = (topicUnder: 'cx-a' | 'cx-b') => ({
    name: 'Moves',
    purposes: [
      {
        id: 'cx-a',
        name: 'A',
        type: 'commercial',
        enforcement: 'nonRestrictive',
        topics: topicUnder === 'cx-a' ? [{ id: 'cx-topic', name: 'Topic' }] : [],
      },
      {
        id: 'cx-b',
        name: 'B',
        type: 'commercial',
        enforcement: 'nonRestrictive',
        topics: topicUnder === 'cx-b' ? [{ id: 'cx-topic', name: 'Topic' }] : [],
      },
      { id: 'cx-tracking', name: 'T', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });

  it('a topic moved to another purpose reads back under it, can be written back, and still blocks', async () => {
    expect((await api.put('/api/profiles/cx-moves', profile('cx-a'))).status).toBeLessThan(300);
    const email = uniqueEmail('moved');
    await api.post(
      '/api/consents',
      record(email, { purposeId: 'cx-a', topicId: 'cx-topic', value: 'optedOut' }),
    );
    expect((await api.put('/api/profiles/cx-moves', profile('cx-b'))).status).toBe(200);

    const { records } = await stored('email', email);
    expect(records.map((r) => [r.purposeId, r.topicId, r.value])).toEqual([['cx-b', 'cx-topic', 'optedOut']]);
    // A two-way sync writes back what it read: accepted, and nothing changed.
    const { channel, contactPoint, purposeId, topicId, value, source, reason, status } = records[0];
    const back = await api.post('/api/consents', {
      channel,
      contactPoint,
      purposeId,
      topicId,
      value,
      source,
      reason,
      status,
    });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body.results[0].outcome).toBe('unchanged');
    expect(back.body.results[0].record.purposeId).toBe('cx-b');
    const decision = await decide('email', email, {
      profileId: 'cx-moves',
      purposeId: 'cx-b',
      topicId: 'cx-topic',
    });
    expect(decision.reasons).toEqual(['topic-opted-out']);
    const changed = await api.post('/api/consents', {
      ...back.body.results[0].record,
      value: 'optedIn',
      capturedAt: undefined,
    });
    expect(changed.body.results[0]).toMatchObject({
      outcome: 'updated',
      record: { purposeId: 'cx-b', value: 'optedIn' },
    });
  });
});

describe('9. HTTP edges', () => {
  const json = JSON.stringify(record(uniqueEmail('edge')));
  const send = (headers: Record<string, string>, body: string | Uint8Array = json) =>
    fetch(`${inject('hostUrl')}/api/consents`, {
      method: 'POST',
      headers: { 'x-functions-key': inject('functionKey'), ...headers },
      body,
    });

  it('refuses a compressed body and a JSON charset other than UTF-8 with 415, not "malformed JSON"', async () => {
    for (const headers of <Array<Record<string, string>>>[
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      { 'content-type': 'application/json', 'content-encoding': 'br' },
      { 'content-type': 'application/json; charset=utf-16' },
      { 'content-type': 'application/json; charset=iso-8859-1' },
    ]) {
      const res = await send(headers);
      expect(res.status, JSON.stringify(headers)).toBe(415);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await send({ 'content-type': 'application/json; charset=UTF-8' })).status).toBe(200);
  });

  it('accepts RFC 3339 times with lower-case t and z', async () => {
    const email = uniqueEmail('lower');
    const res = await api.post('/api/consents', record(email, { capturedAt: '2026-11-01t10:00:00z' }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results[0].record.capturedAt).toBe('2026-11-01T10:00:00.000Z');
    for (const bad of ['2026-02-30T10:00:00Z', '2026-11-01T10:00:00', '2026-11-01 10:00:00Z']) {
      expect((await api.post('/api/consents', record(email, { capturedAt: bad }))).status, bad).toBe(400);
    }
  });

  it('refuses a query parameter given twice instead of silently taking the first', async () => {
    const email = uniqueEmail('twice');
    const res = await api.get(
      `/api/consents?channel=custom&channel=email&contactPoint=${encodeURIComponent(email)}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.path)).toEqual(['channel']);
  });

  it('openapi.json lists the 409 POST /api/consents can answer', async () => {
    const doc = await api.get('/api/openapi.json');
    expect(doc.body.paths['/api/consents'].post.responses['409']).toBeDefined();
  });

  it('a profile PUT with both schema and rule errors names all of them', async () => {
    const res = await api.put('/api/profiles/cx-bad', {
      name: 'Bad',
      purposes: [
        { id: 'cx-bad-1', name: 'One', type: 'commercial', enforcement: 'sometimes' },
        { id: 'cx-bad-1', name: 'Two', type: 'tracking', enforcement: 'disabled' },
        { id: 'cx-bad-3', name: 'Three', type: 'tracking', enforcement: 'disabled' },
      ],
    });
    expect(res.status).toBe(400);
    const paths = res.body.errors.map((e: any) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['purposes[0].enforcement', 'purposes[1].id', 'purposes']));
  });
});

describe('10. a change made through one instance is seen at once, even with the catalog cached', () => {
  let host: RunningHost;
  let cached: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    host = await startHost({
      AzureWebJobsStorage: inject('storageConnection'),
      CONSENT_TABLE_PREFIX: 'cacherace',
      PROFILE_CACHE_SECONDS: '300',
    });
    cached = apiClient(host.url, null);
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('no profile read that began before a PUT is served after it', async () => {
    for (let version = 1; version <= 25; version++) {
      const readers = Array.from({ length: 8 }, () => cached.get('/api/profiles/racer'));
      const put = await cached.put('/api/profiles/racer', {
        name: `Version ${version}`,
        purposes: [{ id: 'racer-tracking', name: 'T', type: 'tracking', enforcement: 'disabled' }],
      });
      expect(put.status).toBeLessThan(300);
      const after = await cached.get('/api/profiles/racer');
      expect(after.body.name).toBe(`Version ${version}`);
      await Promise.all(readers);
    }
  });
});
