/*
 * AI agents (issue 25): the MCP server at /api/mcp through the official SDK client over Streamable
 * HTTP, against the shared host. Its answers equal the HTTP routes' for the same inputs.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, qs, uniqueEmail } from '../support/client';

const api = apiClient();
const tag = `${process.pid}${Date.now().toString(36)}`;
const P = `mcp-${tag}`;
const ids = {
  offers: `mcp-offers-${tag}`,
  news: `mcp-news-${tag}`,
  strict: `mcp-strict-${tag}`,
  orders: `mcp-orders-${tag}`,
  track: `mcp-track-${tag}`,
};

async function connect(headers: Record<string, string> = { 'x-functions-key': inject('functionKey') }) {
  const client = new Client({ name: 'consent-tests', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${inject('hostUrl')}/api/mcp`), {
    requestInit: { headers },
  });
  await client.connect(transport);
  return client;
}

let client: Client;

beforeAll(async () => {
  const res = await api.put(`/api/profiles/${P}`, {
    name: 'Agents',
    purposes: [
      {
        id: ids.offers,
        name: 'Offers',
        type: 'commercial',
        enforcement: 'nonRestrictive',
        topics: [{ id: ids.news, name: 'News' }],
      },
      { id: ids.strict, name: 'Members', type: 'commercial', enforcement: 'restrictive' },
      { id: ids.orders, name: 'Orders', type: 'transactional', enforcement: 'nonRestrictive' },
      { id: ids.track, name: 'Tracking', type: 'tracking', enforcement: 'restrictive' },
    ],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  client = await connect();
});

afterAll(async () => {
  await client?.close();
});

const call = (name: string, args: unknown) =>
  client.callTool({ name, arguments: args as Record<string, unknown> });

describe('the MCP server (25.1)', () => {
  it('initializes and lists the four tools with input and output schemas', async () => {
    expect(client.getServerVersion()?.name).toBe('consent-service');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'check_consent',
      'get_contactability',
      'get_unsubscribe_link',
      'record_consent',
    ]);
    for (const t of tools) {
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema?.type).toBe('object');
      expect(t.description!.length).toBeGreaterThan(40);
    }
    const check = tools.find((t) => t.name === 'check_consent')!;
    expect(check.annotations?.readOnlyHint).toBe(true);
    expect(check.inputSchema.required).toEqual(
      expect.arrayContaining(['channel', 'contactPoint', 'profileId', 'purposeId']),
    );
  });

  it('check_consent answers as /api/check, as a dry run, with the reasons in words', async () => {
    const email = uniqueEmail('mcp');
    await api.post('/api/consents', {
      records: [{ channel: 'email', contactPoint: email, purposeId: ids.offers, value: 'optedOut' }],
    });
    const result = await call('check_consent', {
      channel: 'email',
      contactPoint: email.toUpperCase(),
      profileId: P,
      purposeId: ids.offers,
    });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as any;
    expect(structured).toMatchObject({ decision: 'blocked', reasons: ['purpose-opted-out'] });
    expect(structured.explanation).toBe('Blocked: Opted out of this purpose (purpose-opted-out).');
    expect((result.content as any)[0]).toEqual({ type: 'text', text: structured.explanation });
  });

  it('answers equal the HTTP routes for random records (property)', async () => {
    const value = fc.constantFrom('optedIn', 'optedOut', 'notSet', undefined);
    await fc.assert(
      fc.asyncProperty(
        fc.record({ offers: value, news: value, strict: value, track: value }),
        fc.constantFrom(ids.offers, ids.strict, ids.orders, ids.track),
        fc.boolean(),
        fc.constantFrom('contact', 'lead'),
        async (values, purposeId, withTopic, audience) => {
          const email = uniqueEmail('mcp-prop');
          const records = Object.entries(values)
            .filter(([, v]) => v !== undefined)
            .map(([key, v]) => ({
              channel: 'email',
              contactPoint: email,
              purposeId: key === 'news' ? ids.offers : ids[key as keyof typeof ids],
              ...(key === 'news' ? { topicId: ids.news } : {}),
              value: v,
            }));
          if (records.length > 0) expect((await api.post('/api/consents', { records })).status).toBe(200);
          const message = {
            channel: 'email',
            contactPoint: email,
            profileId: P,
            purposeId,
            audience,
            ...(withTopic && purposeId === ids.offers ? { topicId: ids.news } : {}),
          };
          const http = await api.post('/api/check', {
            dryRun: true,
            messages: [{ messageId: 'x', ...message }],
          });
          const { messageId: _m, ...decision } = http.body.decisions[0];
          const viaMcp = await call('check_consent', message);
          const { explanation: _e, ...structured } = viaMcp.structuredContent as any;
          expect(structured).toEqual(decision);

          const query = qs({ channel: 'email', contactPoint: email, profileId: P });
          const contactability = await api.get(`/api/contactability${query}`);
          const mcpView = await call('get_contactability', {
            channel: 'email',
            contactPoint: email,
            profileId: P,
          });
          expect(mcpView.structuredContent).toEqual(contactability.body);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('get_unsubscribe_link gives working links like /api/links', async () => {
    const email = uniqueEmail('mcp-link');
    const result = await call('get_unsubscribe_link', {
      channel: 'email',
      contactPoint: email,
      profileId: P,
      purposeId: ids.offers,
    });
    const links = result.structuredContent as any;
    const http = await api.post('/api/links', {
      links: [{ channel: 'email', contactPoint: email, profileId: P, purposeId: ids.offers }],
    });
    expect(Object.keys(links).sort()).toEqual(Object.keys(http.body.links[0]).sort());
    expect(links.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const page = await fetch(links.preferencesUrl);
    expect(page.status).toBe(200);
    const unsubscribed = await fetch(links.unsubscribeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribed.status).toBe(200);
    const check = await call('check_consent', {
      channel: 'email',
      contactPoint: email,
      profileId: P,
      purposeId: ids.offers,
    });
    expect((check.structuredContent as any).reasons).toEqual(['purpose-opted-out']);
  });

  it('record_consent writes through the upsert, with the caller as actor', async () => {
    const email = uniqueEmail('mcp-record');
    const agent = await connect({
      'x-functions-key': inject('functionKey'),
      'x-consent-actor': 'sales-agent',
    });
    try {
      const result = await agent.callTool({
        name: 'record_consent',
        arguments: {
          channel: 'email',
          contactPoint: email,
          purposeId: ids.strict,
          value: 'optedIn',
          source: 'internal',
          reasonDescription: 'asked the assistant to join',
        },
      });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ index: 0, outcome: 'created' });
    } finally {
      await agent.close();
    }
    const stored = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`);
    expect(stored.body.records).toEqual([
      expect.objectContaining({ purposeId: ids.strict, value: 'optedIn', modifiedBy: 'sales-agent' }),
    ]);
  });

  it('bad arguments are tool errors saying what is wrong, never transport errors', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['check_consent', { channel: 'email', profileId: P, purposeId: ids.offers }, /contactPoint/],
      [
        'check_consent',
        { channel: 'fax', contactPoint: 'a@b.example', profileId: P, purposeId: 'x' },
        /channel/,
      ],
      [
        'check_consent',
        { channel: 'email', contactPoint: 'a@b.example', profileId: P, purposeId: 'x', extra: 1 },
        /extra/,
      ],
      [
        'check_consent',
        {
          channel: 'email',
          contactPoint: 'a@b.example',
          profileId: P,
          purposeId: ids.offers,
          timeZone: 'Mars/Base',
        },
        /timeZone/,
      ],
      [
        'get_contactability',
        { channel: 'email', contactPoint: 'a@b.example', profileId: `none-${tag}` },
        /no profile/,
      ],
      [
        'record_consent',
        { channel: 'email', contactPoint: 'not an address', purposeId: ids.offers, value: 'optedIn' },
        /contactPoint/,
      ],
      [
        'record_consent',
        { channel: 'email', contactPoint: 'a@b.example', purposeId: `none-${tag}`, value: 'optedIn' },
        /purpose/,
      ],
      ['no_such_tool', {}, /no tool/],
    ];
    for (const [name, args, message] of cases) {
      const result = await call(name, args);
      expect(result.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
      expect((result.content as any)[0].text, name).toMatch(message);
    }
    // Arguments that are not an object at all, sent raw (the SDK client would not send them).
    const raw = await fetch(`${inject('hostUrl')}/api/mcp`, {
      method: 'POST',
      headers: {
        'x-functions-key': inject('functionKey'),
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'check_consent', arguments: [1, 2] },
      }),
    });
    expect(raw.status).toBe(200);
    const answer = (await raw.json()) as any;
    expect(answer.result.isError).toBe(true);
  });

  it('refuses a caller without a key, and offers no event stream', async () => {
    await expect(connect({})).rejects.toThrow();
    await expect(connect({ 'x-functions-key': 'wrong' })).rejects.toThrow();
    const stream = await fetch(`${inject('hostUrl')}/api/mcp`, {
      headers: { 'x-functions-key': inject('functionKey'), accept: 'text/event-stream' },
    });
    expect(stream.status).toBe(405);
  });
});
