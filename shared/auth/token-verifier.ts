import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from 'jose';
import { IdentityUnavailableError, UnauthenticatedError } from '../errors';

export interface TokenVerifierOptions {
  issuer: string;
  audiences: readonly string[];
  /** Where the signing keys are; else the `jwks_uri` of the issuer's discovery document. */
  jwksUri?: string;
  /** Epoch ms (tests shift it). */
  clock?: () => number;
  /** The least time between two fetches of the keys (an unknown `kid` asks again). */
  refetchCooldownMs?: number;
}

/** Clock skew tolerated on `exp` and `nbf`, as the contract allows. */
const SKEW_SECONDS = 300;
const KEYS_MAX_AGE_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 5_000;
/** Tokens verified once and kept until they expire: a journey engine sends the same token many times. */
const VERIFIED_KEPT = 5_000;

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** What a token says, once its signature and claims verify. */
export type VerifiedClaims = JWTPayload & Record<string, unknown>;

/**
 * Bearer tokens verified by the service itself with jose: RS256 or ES256 only (`none` and HMAC are
 * refused), the issuer's keys from its discovery document (kept, and fetched again on an unknown
 * `kid` at most every AUTH_KEY_REFETCH_SECONDS), `iss`, `aud`, `exp` and `nbf` with 5 minutes of skew. Keys that cannot
 * be fetched make a new token a 503, never an open door.
 */
export class TokenVerifier {
  private keys: Promise<KeySet> | undefined;
  private readonly verified = new Map<string, VerifiedClaims>();
  private readonly clock: () => number;

  constructor(private readonly options: TokenVerifierOptions) {
    this.clock = options.clock ?? Date.now;
  }

  async verify(token: string): Promise<VerifiedClaims> {
    const kept = this.verified.get(token);
    if (kept && this.stillValid(kept)) return kept;
    if (kept) this.verified.delete(token);
    let payload: VerifiedClaims;
    try {
      const result = await jwtVerify(token, await this.keySet(), {
        issuer: this.options.issuer,
        audience: [...this.options.audiences],
        algorithms: ['RS256', 'ES256'],
        clockTolerance: SKEW_SECONDS,
        requiredClaims: ['exp'],
        currentDate: new Date(this.clock()),
      });
      payload = result.payload as VerifiedClaims;
    } catch (error) {
      throw classify(error);
    }
    this.verified.set(token, payload);
    if (this.verified.size > VERIFIED_KEPT) this.verified.delete(this.verified.keys().next().value!);
    return payload;
  }

  private stillValid(payload: VerifiedClaims): boolean {
    const now = this.clock() / 1000;
    return (
      typeof payload.exp === 'number' &&
      now <= payload.exp + SKEW_SECONDS &&
      (typeof payload.nbf !== 'number' || now >= payload.nbf - SKEW_SECONDS)
    );
  }

  private keySet(): Promise<KeySet> {
    this.keys ??= this.discover().catch((error: unknown) => {
      this.keys = undefined;
      throw error;
    });
    return this.keys;
  }

  private async discover(): Promise<KeySet> {
    let uri = this.options.jwksUri;
    if (uri === undefined) {
      const response = await fetch(`${this.options.issuer}/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      }).catch(() => undefined);
      const document = response?.ok
        ? ((await response.json().catch(() => undefined)) as { jwks_uri?: unknown })
        : undefined;
      if (typeof document?.jwks_uri !== 'string') throw new IdentityUnavailableError();
      uri = document.jwks_uri;
    }
    return createRemoteJWKSet(new URL(uri), {
      // Keys the issuer cannot give right now are the service's trouble (503), not the token's.
      [customFetch]: async (url: string, init: RequestInit) => {
        const response = await fetch(url, init).catch((error: unknown) => {
          throw (error as Error)?.name === 'TimeoutError' ? error : new IdentityUnavailableError();
        });
        if (response.status !== 200) throw new IdentityUnavailableError();
        return response;
      },
      cooldownDuration: this.options.refetchCooldownMs ?? 30_000,
      cacheMaxAge: KEYS_MAX_AGE_MS,
      timeoutDuration: FETCH_TIMEOUT_MS,
    });
  }
}

/**
 * Why a token was refused, as the standard says it (`invalid_token`) and no more: which check
 * failed is not told. Keys that could not be fetched are the service's trouble: 503.
 */
function classify(error: unknown): Error {
  if (error instanceof IdentityUnavailableError) return error;
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
    return new IdentityUnavailableError();
  if (error instanceof errors.JOSEError) return new UnauthenticatedError('invalid_token');
  // A fetch of the keys that failed outright (refused, reset): never an open door.
  return new IdentityUnavailableError();
}
