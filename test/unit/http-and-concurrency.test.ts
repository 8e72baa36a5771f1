import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Limiter } from '../../shared/utils/limiter';
import { mapLimit } from '../../shared/utils/map-limit';
import { NotFoundError, ServiceError, StorageUnavailableError, ValidationError } from '../../shared/errors';
import { Authenticator } from '../../shared/auth/authenticator';
import { toProblem } from '../../shared/http/problems';
import { readJson } from '../../shared/utils/read-json';
import { readQuery } from '../../shared/utils/read-query';

const context = () => new InvocationContext({ functionName: 'test', logHandler: () => undefined });

function request(init: { method?: string; url?: string; body?: string; headers?: Record<string, string> }) {
  return new HttpRequest({
    method: init.method ?? 'POST',
    url: init.url ?? 'http://localhost/api/test',
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.body !== undefined ? { body: { string: init.body } } : {}),
  });
}

describe('readJson', () => {
  const schema = z.object({ n: z.number() });

  it('parses and validates a JSON body', async () => {
    expect(await readJson(request({ body: '{"n":1}' }), schema)).toEqual({ n: 1 });
  });

  it('names the bad path, rejects malformed JSON and non-JSON media types', async () => {
    await expect(readJson(request({ body: '{"n":"x"}' }), schema)).rejects.toMatchObject({
      code: 'validation-failed',
      details: [expect.objectContaining({ path: 'n' })],
    });
    await expect(readJson(request({ body: '{"n":' }), schema)).rejects.toMatchObject({
      code: 'malformed-json',
    });
    await expect(
      readJson(request({ body: '{}', headers: { 'content-type': 'text/plain' } }), schema),
    ).rejects.toMatchObject({
      code: 'unsupported-media-type',
    });
  });
});

describe('readJson: what the body is encoded in', () => {
  const schema = z.object({ n: z.number() });

  it.each(['gzip', 'br', 'deflate', 'x-custom'])('refuses Content-Encoding %s with 415', async (encoding) => {
    await expect(
      readJson(request({ body: '{"n":1}', headers: { 'content-encoding': encoding } }), schema),
    ).rejects.toMatchObject({ code: 'unsupported-media-type' });
  });

  it('reads an identity-encoded body and a UTF-8 charset in any spelling', async () => {
    for (const headers of <Array<Record<string, string>>>[
      { 'content-encoding': 'identity' },
      { 'content-type': 'application/json; charset=UTF-8' },
      { 'content-type': 'application/json;charset="utf-8"' },
      { 'content-type': 'application/merge-patch+json; charset=utf8' },
    ]) {
      expect(await readJson(request({ body: '{"n":1}', headers }), schema)).toEqual({ n: 1 });
    }
  });

  it.each(['utf-16', 'iso-8859-1', 'latin1'])(
    'refuses a JSON body in charset %s with 415',
    async (charset) => {
      await expect(
        readJson(
          request({ body: '{"n":1}', headers: { 'content-type': `application/json; charset=${charset}` } }),
          schema,
        ),
      ).rejects.toMatchObject({ code: 'unsupported-media-type' });
    },
  );
});

describe('readQuery', () => {
  it('joins repeated parameters with commas as the Functions host does, ignores the key, reads Object-like names', () => {
    const req = request({ method: 'GET', url: 'http://localhost/api/x?a=1&a=2&code=secret&constructor=c' });
    expect(readQuery(req, z.object({ a: z.string(), constructor: z.string() }))).toEqual({
      a: '1,2',
      constructor: 'c',
    });
    expect(readQuery(req, z.record(z.string(), z.string()))).not.toHaveProperty('code');
  });
});

describe('the actor under function keys', () => {
  const keys = new Authenticator({
    AUTH_MODE: 'keys',
    WEBSITE_AUTH_ENABLED: false,
    AUTH_KEY_REFETCH_SECONDS: 30,
  });
  const actorOf = async (req: HttpRequest) => (await keys.caller(req)).name;
  it('prefers x-consent-actor, then App Service authentication, else anonymous', async () => {
    expect(
      await actorOf(
        request({ headers: { 'x-consent-actor': 'crm', 'x-ms-client-principal-name': 'a@b.c' } }),
      ),
    ).toBe('crm');
    expect(await actorOf(request({ headers: { 'x-ms-client-principal-name': 'a@b.c' } }))).toBe('a@b.c');
    expect(await actorOf(request({}))).toBe('anonymous');
    await expect(actorOf(request({ headers: { 'x-consent-actor': 'x'.repeat(257) } }))).rejects.toThrow(
      ValidationError,
    );
  });
});

describe('toProblem', () => {
  it('maps each error code to its status as problem+json, 503 with Retry-After', () => {
    const cases: Array<[ServiceError, number]> = [
      [new ValidationError('bad', [{ path: 'a', message: 'm' }]), 400],
      [new NotFoundError('none'), 404],
      [new StorageUnavailableError(), 503],
    ];
    for (const [error, status] of cases) {
      const response = toProblem(error, context());
      expect(response.status).toBe(status);
      expect((response.headers as Record<string, string>)['content-type']).toBe('application/problem+json');
      expect(response.jsonBody).toMatchObject({ status, title: expect.any(String), detail: error.message });
    }
    expect(
      (toProblem(new StorageUnavailableError(), context()).headers as Record<string, string>)['retry-after'],
    ).toBe('5');
  });

  it('hides anything that is not a service error behind a plain 500', () => {
    const response = toProblem(new TypeError('secret internals at /srv/x.js'), context());
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.jsonBody)).not.toContain('secret');
  });
});

describe('mapLimit and Limiter', () => {
  it('keeps order and never exceeds the bound', async () => {
    let active = 0;
    let peak = 0;
    const gate = new Limiter(3);
    const results = await mapLimit([...Array(20).keys()], 10, (n) =>
      gate.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await Promise.resolve();
        await Promise.resolve();
        active--;
        return n * 2;
      }),
    );
    expect(results).toEqual([...Array(20).keys()].map((n) => n * 2));
    expect(peak).toBe(3);
  });

  it('stops starting work after a failure and throws once everything in flight settled', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = mapLimit([...Array(10).keys()], 2, async (n) => {
      started.push(n);
      await Promise.resolve();
      settled++;
      if (n === 1) throw new Error('boom');
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    expect(settled).toBe(started.length);
    expect(started.length).toBeLessThan(10);
  });
});
