import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the tokens say. `valid`: what Entra ID issues for the resource asked for; `expired`: its
 * lifetime is over (while the endpoint says it is good for an hour, so the credential keeps it);
 * `wrong-audience`: a token for another resource.
 */
export type TokenKind = 'valid' | 'expired' | 'wrong-audience';

export interface TokenRequest {
  resource: string;
  clientId: string | undefined;
}

export interface IdentityEndpoint {
  /** The variables App Service sets for its managed identity endpoint. */
  env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  /** Every token request that passed the protocol's checks. */
  requests: TokenRequest[];
  stop(): Promise<void>;
}

const TENANT = '72f988bf-0000-4000-8000-000000000001';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * A stand-in for App Service's managed identity endpoint (protocol 2019-08-01, what
 * ManagedIdentityCredential speaks when IDENTITY_ENDPOINT and IDENTITY_HEADER are set):
 * `GET ?api-version=2019-08-01&resource=<uri>[&client_id=<id>]` with the `X-IDENTITY-HEADER`
 * secret, answered with `{access_token, expires_on, resource, token_type, client_id}`. The tokens
 * are real JWTs, signed with a throwaway key that nothing verifies (Azurite checks audience, issuer
 * and lifetime only, as its source says).
 */
export async function startIdentityEndpoint(kind: TokenKind = 'valid'): Promise<IdentityEndpoint> {
  const secret = randomUUID();
  const signingKey = randomBytes(32);
  const requests: TokenRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || url.pathname !== '/msi/token') return reply(404, { error: 'not_found' });
    if (req.headers['x-identity-header'] !== secret) {
      return reply(401, {
        error: 'unauthorized',
        error_description: 'X-IDENTITY-HEADER is missing or wrong',
      });
    }
    const resource = url.searchParams.get('resource');
    if (url.searchParams.get('api-version') !== '2019-08-01' || !resource) {
      return reply(400, {
        error: 'invalid_request',
        error_description: 'api-version and resource are required',
      });
    }
    const clientId = url.searchParams.get('client_id') ?? undefined;
    requests.push({ resource, clientId });
    const now = Math.floor(Date.now() / 1000);
    const lifetime =
      kind === 'expired'
        ? { iat: now - 7200, nbf: now - 7200, exp: now - 3600 }
        : { iat: now, nbf: now, exp: now + 3600 };
    const header = base64url({ alg: 'HS256', typ: 'JWT' });
    const payload = base64url({
      aud: kind === 'wrong-audience' ? 'https://vault.azure.net' : resource,
      iss: `https://sts.windows.net/${TENANT}/`,
      ...lifetime,
      appid: clientId ?? 'system-assigned',
      oid: randomUUID(),
      sub: randomUUID(),
      tid: TENANT,
      ver: '1.0',
    });
    const signature = createHmac('sha256', signingKey).update(`${header}.${payload}`).digest('base64url');
    reply(200, {
      access_token: `${header}.${payload}.${signature}`,
      expires_on: String(now + 3600),
      resource,
      token_type: 'Bearer',
      ...(clientId ? { client_id: clientId } : {}),
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return {
    env: { IDENTITY_ENDPOINT: `http://127.0.0.1:${port}/msi/token`, IDENTITY_HEADER: secret },
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise((closed) => server.close(closed));
    },
  };
}
