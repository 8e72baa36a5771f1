import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { operations } from '../../shared/api';
import { openApiPath } from '../../shared/api/openapi';
import { apiClient } from '../support/client';
import { startAzurite, startHost, type RunningAzurite, type RunningHost } from '../support/processes';

const api = apiClient();
const anonymous = apiClient(inject('hostUrl'), null);

function profileBody(prefix: string, overrides: Record<string, unknown> = {}) {
  return {
    name: `Brand ${prefix}`,
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
        topics: [{ id: `${prefix}-newsletter`, name: 'Newsletter' }],
      },
      {
        id: `${prefix}-transactional`,
        name: 'Transactional',
        type: 'transactional',
        enforcement: 'disabled',
      },
      { id: `${prefix}-tracking`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
    ...overrides,
  };
}

describe('health and description', () => {
  it('reports ok when storage answers, without a key', async () => {
    const res = await anonymous.get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', storage: 'ok' });
  });

  it('serves an OpenAPI 3.1 document listing every route with its schemas', async () => {
    const res = await anonymous.get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const paths = res.body.paths as Record<string, Record<string, any>>;
    for (const op of Object.values(operations)) {
      const documented = paths[openApiPath(op.route)]?.[op.method.toLowerCase()];
      expect(documented, `${op.method} ${op.route}`).toBeDefined();
      // Every route documents what it answers; those that only refuse (DELETE of a consent row, the
      // MCP event stream a stateless server does not offer) too.
      expect(Object.keys(documented.responses).length, `${op.method} ${op.route}`).toBeGreaterThan(0);
      if (op.name !== 'dataverseDelete' && op.name !== 'mcpStream') {
        expect(Object.keys(documented.responses).some((status) => status.startsWith('2'))).toBe(true);
      }
      if ('body' in op) {
        const types = 'mediaTypes' in op ? Object.keys(op.mediaTypes) : ['application/json'];
        expect(Object.keys(documented.requestBody.content)).toEqual(types);
        for (const type of types) expect(documented.requestBody.content[type].schema).toBeDefined();
      }
      if (op.authLevel === 'function') expect(documented.responses['401']).toBeDefined();
    }
    expect(Object.keys(paths)).toHaveLength(new Set(Object.values(operations).map((op) => op.route)).size);
    expect(paths['/api/data/v9.2/{path}']!.delete).toBeDefined();
    const check = paths['/api/check']!.post;
    expect(check.requestBody.content['application/json'].schema.properties.messages.maxItems).toBe(1000);
    expect(check.responses['200'].content['application/json'].schema.properties.decisions).toBeDefined();
    expect(paths['/api/consents/history']!.get.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['channel', 'contactPoint', 'limit', 'continuationToken']),
    );
    // Text message webhooks: a form in and TwiML out, Event Grid's three media types, the handshake.
    const twilio = paths['/api/sms/twilio']!.post;
    expect(twilio.security).toEqual([]);
    expect(twilio.requestBody.content['application/x-www-form-urlencoded'].schema.required).toEqual(
      expect.arrayContaining(['From', 'To', 'Body']),
    );
    // TwiML: empty, or the profile's reply to the keyword.
    expect(twilio.responses['200'].content['text/xml'].schema.type).toBe('string');
    expect(twilio.responses['403']).toBeDefined();
    expect(Object.keys(paths['/api/sms/acs']!.post.requestBody.content)).toEqual([
      'application/json',
      'application/cloudevents+json',
      'application/cloudevents-batch+json',
    ]);
    expect(paths['/api/sms/acs']!.options.responses['200']).toBeDefined();
  });
});

describe('local host', () => {
  it('answers 404 with an empty body for unknown routes and for a method the function does not list, as Azure does', async () => {
    for (const res of [
      await api.get('/api/nothing-here'),
      await api.call('DELETE', '/api/profiles/default'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toBeUndefined();
    }
  });

  it('matches literal route segments ignoring case and tolerates a trailing slash, as Azure does', async () => {
    for (const path of ['/API/Profiles/default', '/api/profiles/default/', '/api/PROFILES/default/']) {
      const res = await api.get(path);
      expect(res.status, path).toBe(200);
      expect(res.body.id).toBe('default');
    }
  });

  it('rejects a body over the service limit with 413 problem+json before it is parsed', async () => {
    const res = await api.post('/api/check', 'x'.repeat(4 * 1024 * 1024 + 1));
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('requires the function key on function routes: header or code, else 401', async () => {
    expect((await anonymous.get('/api/profiles')).status).toBe(401);
    expect((await anonymous.get('/api/profiles', { 'x-functions-key': 'wrong' })).status).toBe(401);
    expect((await anonymous.get('/api/profiles', { 'x-functions-key': '' })).status).toBe(401);
    expect((await anonymous.get(`/api/profiles?code=${inject('functionKey')}`)).status).toBe(200);
    expect((await api.get('/api/profiles')).status).toBe(200);
  });
});

describe('profiles', () => {
  it('has the default profile of a fresh install', async () => {
    const res = await api.get('/api/profiles/default');
    expect(res.status).toBe(200);
    expect(res.body.purposes.map((p: any) => [p.id, p.type, p.enforcement])).toEqual([
      [
        'commercial',
        'commercial',
        { email: 'nonRestrictive', sms: 'restrictive', voice: 'restrictive', custom: 'restrictive' },
      ],
      ['transactional', 'transactional', 'disabled'],
      ['tracking', 'tracking', 'nonRestrictive'],
    ]);
  });

  it('creates with 201, replaces with 200, and lists', async () => {
    const created = await api.put('/api/profiles/brand-a', profileBody('a'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'brand-a', name: 'Brand a', companyAddress: '1 Main St' });
    const replaced = await api.put('/api/profiles/brand-a', profileBody('a', { name: 'Brand A2' }));
    expect(replaced.status).toBe(200);
    expect((await api.get('/api/profiles/brand-a')).body.name).toBe('Brand A2');
    const list = await api.get('/api/profiles');
    expect(list.body.profiles.filter((p: any) => p.id === 'brand-a')).toHaveLength(1);
  });

  it('answers 404 for an unknown profile', async () => {
    const res = await api.get('/api/profiles/no-such-profile');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: 404, title: expect.any(String), detail: expect.any(String) });
  });

  it('refuses purpose or topic ids that another profile owns with 409, writing nothing', async () => {
    const res = await api.put(
      '/api/profiles/brand-b',
      profileBody('b', {
        purposes: [
          ...profileBody('b').purposes,
          { id: 'commercial', name: 'Dup', type: 'commercial', enforcement: 'restrictive' },
        ],
      }),
    );
    expect(res.status).toBe(409);
    expect(res.body.errors[0].message).toContain('"commercial"');
    expect((await api.get('/api/profiles/brand-b')).status).toBe(404);
  });

  it('requires exactly one tracking purpose and a valid enforcement', async () => {
    const none = profileBody('c');
    none.purposes = none.purposes.filter((p) => p.type !== 'tracking');
    const res = await api.put('/api/profiles/brand-c', none);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'purposes' })]);

    const partial = profileBody('c');
    (partial.purposes[0] as any).enforcement = { email: 'restrictive', sms: 'restrictive' };
    const bad = await api.put('/api/profiles/brand-c', partial);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.some((e: any) => e.path.startsWith('purposes[0].enforcement'))).toBe(true);
    expect((await api.get('/api/profiles/brand-c')).status).toBe(404);
  });

  it('names every bad path of a malformed profile', async () => {
    const res = await api.put('/api/profiles/brand-d', {
      name: '',
      purposes: [{ id: 'x y', type: 'weird' }],
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const paths = res.body.errors.map((e: any) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['name', 'purposes[0].id', 'purposes[0].type', 'purposes[0].enforcement']),
    );
  });

  it('answers 400 for malformed JSON and 415 for a non-JSON body', async () => {
    const malformed = await api.put('/api/profiles/brand-e', '{"name": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.type).toContain('malformed-json');
    const text = await api.put('/api/profiles/brand-e', 'name=x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
  });
});

describe('settings', () => {
  // Its own host and store: turning the switch off must not race the other files' checks.
  let azurite: RunningAzurite;
  let host: RunningHost;
  let own: ReturnType<typeof apiClient>;
  beforeAll(async () => {
    azurite = await startAzurite({ port: 0 });
    host = await startHost({ AzureWebJobsStorage: azurite.connectionString });
    own = apiClient(host.url, null);
  });
  afterAll(async () => {
    await host.stop();
    await azurite.stop();
  });

  it('defaults to checking contact consent; turned off, contact flags no longer block a check', async () => {
    const message = {
      messageId: 'm',
      channel: 'email',
      contactPoint: 'flags@example.com',
      profileId: 'default',
      purposeId: 'commercial',
      contact: { doNotBulkEmail: true },
    };
    expect((await own.get('/api/settings')).body).toEqual({ checkContactConsent: true });
    expect((await own.post('/api/check', { messages: [message] })).body.decisions[0].reasons).toEqual([
      'contact-do-not-bulk-email',
    ]);
    expect((await own.put('/api/settings', { checkContactConsent: false })).body).toEqual({
      checkContactConsent: false,
    });
    expect((await own.get('/api/settings')).body).toEqual({ checkContactConsent: false });
    expect((await own.post('/api/check', { messages: [message] })).body.decisions[0].decision).toBe('sent');
    // With the switch off the prefill agrees with the check: the contact's own flags do not count (seed 002).
    const prefill = await own.get(
      '/api/preference-center?profileId=default&channel=email&contactPoint=flags@example.com&doNotBulkEmail=true',
    );
    expect(prefill.body.purposes.find((p: any) => p.purposeId === 'commercial').optedIn).toBe(true);
    expect((await own.put('/api/settings', { checkContactConsent: 'yes' })).status).toBe(400);
  });
});

describe('persistence', () => {
  it('keeps a profile across a restart of host and storage, and seeds the default only once', async () => {
    const location = mkdtempSync(join(tmpdir(), 'consent-persist-'));
    try {
      const start = async () => {
        const azurite = await startAzurite({ port: 0, location });
        const host = await startHost({ AzureWebJobsStorage: azurite.connectionString });
        return { azurite, host, api: apiClient(host.url, null) };
      };
      const first = await start();
      expect((await first.api.put('/api/profiles/kept', profileBody('kept'))).status).toBe(201);
      await first.api.put('/api/profiles/default', {
        name: 'Edited default',
        purposes: [
          { id: 'commercial', name: 'Commercial', type: 'commercial', enforcement: 'restrictive' },
          { id: 'tracking', name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
        ],
      });
      await first.host.stop();
      await first.azurite.stop();

      const second = await start();
      try {
        expect((await second.api.get('/api/profiles/kept')).body.name).toBe('Brand kept');
        const profiles = (await second.api.get('/api/profiles')).body.profiles;
        expect(profiles.filter((p: any) => p.id === 'default')).toHaveLength(1);
        expect(profiles.find((p: any) => p.id === 'default').name).toBe('Edited default');
      } finally {
        await second.host.stop();
        await second.azurite.stop();
      }
    } finally {
      rmSync(location, { recursive: true, force: true });
    }
  });
});
