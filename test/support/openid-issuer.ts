import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

interface IssuerKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  pair: KeyPair;
  jwk: JWK;
}

export interface TokenOptions {
  roles?: string[];
  name?: string;
  oid?: string;
  sub?: string;
  audience?: string;
  issuer?: string;
  /** Seconds from now (negative: in the past). */
  expiresIn?: number;
  notBefore?: number;
  kid?: string;
  claims?: JWTPayload;
}

/**
 * A real OpenID issuer on a free loopback port: a discovery document and a JWKS, keys that can be
 * rotated, and tokens signed with them. `down` makes the keys endpoint fail (an outage).
 */
export class OpenIdIssuer {
  private server: Server | undefined;
  private readonly keys: IssuerKey[] = [];
  url = '';
  down = false;
  keyFetches = 0;

  static async start(audience: string): Promise<OpenIdIssuer> {
    const issuer = new OpenIdIssuer(audience);
    await issuer.addKey('RS256');
    await issuer.addKey('ES256');
    await issuer.listen();
    return issuer;
  }

  private constructor(readonly audience: string) {}

  private listen(): Promise<void> {
    this.server = createServer((req, res) => {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/.well-known/openid-configuration') {
        return json(200, {
          issuer: this.url,
          jwks_uri: `${this.url}/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (req.url === '/keys') {
        this.keyFetches++;
        if (this.down) return json(503, { error: 'down' });
        return json(200, { keys: this.keys.map((k) => k.jwk) });
      }
      json(404, {});
    });
    return new Promise((resolve) =>
      this.server!.listen(0, '127.0.0.1', () => {
        const address = this.server!.address();
        this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
        resolve();
      }),
    );
  }

  /** A new signing key, published at once; returns its kid. */
  async addKey(
    alg: 'RS256' | 'ES256',
    kid = `${alg.toLowerCase()}-${this.keys.length + 1}`,
  ): Promise<string> {
    const pair = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
    this.keys.push({ kid, alg, pair, jwk });
    return kid;
  }

  /** A key that signs but is not published (as after a rotation the service has not seen). */
  async unpublishedKey(alg: 'RS256' | 'ES256', kid: string): Promise<IssuerKey> {
    const pair = await generateKeyPair(alg, { extractable: true });
    return { kid, alg, pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg } };
  }

  publicJwk(kid?: string): JWK {
    return (kid ? this.keys.find((k) => k.kid === kid) : this.keys[0])!.jwk;
  }

  async token(options: TokenOptions = {}, key?: IssuerKey): Promise<string> {
    const signer = key ?? (options.kid ? this.keys.find((k) => k.kid === options.kid)! : this.keys[0]!);
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      ...(options.roles ? { roles: options.roles } : {}),
      name: options.name ?? 'Journey engine',
      oid: options.oid ?? '00000000-0000-0000-0000-000000000042',
      sub: options.sub ?? 'subject-42',
      ...options.claims,
    };
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? this.url)
      .setAudience(options.audience ?? this.audience)
      .setIssuedAt(now - 60)
      .setExpirationTime(now + (options.expiresIn ?? 600));
    if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
    return jwt.sign(signer.pair.privateKey);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** An unsigned token (`alg: none`), and one HMAC-signed with the public key as the secret. */
export function forgedTokens(issuer: OpenIdIssuer): { none: string; hmac: Promise<string> } {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: issuer.url,
    aud: issuer.audience,
    exp: now + 600,
    roles: ['Consent.Admin'],
    name: 'forger',
  };
  const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
  const hmac = (async () => {
    const secret = new TextEncoder().encode(JSON.stringify(issuer.publicJwk()));
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: issuer.publicJwk().kid! })
      .sign(secret);
  })();
  return { none, hmac };
}
