import type { HttpRequest } from '@azure/functions';
import type { Config } from '../config';
import { Caller, grantsOf } from '../domain/access';
import { UnauthenticatedError, ValidationError } from '../errors';
import { readClientPrincipal } from './client-principal';
import { TokenVerifier, type VerifiedClaims } from './token-verifier';

const MAX_ACTOR = 256;

/** A header naming a person, trimmed and bounded; absent when empty. */
function named(request: HttpRequest, header: string): string | undefined {
  const value = request.headers.get(header)?.trim();
  if (!value) return undefined;
  if (value.length > MAX_ACTOR) {
    throw new ValidationError('The actor header is not valid.', [
      { path: header, message: `at most ${MAX_ACTOR} characters` },
    ]);
  }
  return value;
}

const text = (value: unknown) =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, MAX_ACTOR) : undefined;

/**
 * Who is calling. Under `keys` the host has checked the function key, which opens the whole app:
 * the actor is what the caller writes in `x-consent-actor` (else App Service's signed-in name).
 * Under `entra` the service checks the caller itself: a bearer token, or (only where App Service
 * authentication is on) the principal the platform sets; the actor is that identity, and
 * `x-consent-actor` is kept as whom it acts for.
 */
export class Authenticator {
  private readonly verifier: TokenVerifier | undefined;

  constructor(
    private readonly config: Pick<
      Config,
      | 'AUTH_MODE'
      | 'AUTH_ISSUER'
      | 'AUTH_AUDIENCE'
      | 'AUTH_JWKS_URI'
      | 'AUTH_KEY_REFETCH_SECONDS'
      | 'WEBSITE_AUTH_ENABLED'
    >,
    clock?: () => number,
  ) {
    this.verifier =
      config.AUTH_MODE === 'entra'
        ? new TokenVerifier({
            issuer: config.AUTH_ISSUER!,
            audiences: config.AUTH_AUDIENCE ?? [],
            ...(config.AUTH_JWKS_URI ? { jwksUri: config.AUTH_JWKS_URI } : {}),
            refetchCooldownMs: config.AUTH_KEY_REFETCH_SECONDS * 1000,
            ...(clock ? { clock } : {}),
          })
        : undefined;
  }

  async caller(request: HttpRequest): Promise<Caller> {
    if (!this.verifier) {
      return Caller.keyHolder(
        named(request, 'x-consent-actor') ?? named(request, 'x-ms-client-principal-name') ?? 'anonymous',
      );
    }
    const onBehalfOf = named(request, 'x-consent-actor');
    const authorization = request.headers.get('authorization');
    if (authorization !== null) {
      const bearer = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(authorization);
      if (!bearer) throw new UnauthenticatedError('invalid_token');
      return fromToken(await this.verifier.verify(bearer[1]!), onBehalfOf);
    }
    const principal = this.config.WEBSITE_AUTH_ENABLED ? request.headers.get('x-ms-client-principal') : null;
    if (principal) {
      const { name, id, roles } = readClientPrincipal(principal);
      return new Caller(text(name) ?? text(id) ?? 'signed-in user', grantsOf(roles), text(id), onBehalfOf);
    }
    throw new UnauthenticatedError();
  }
}

function fromToken(claims: VerifiedClaims, onBehalfOf: string | undefined): Caller {
  const actor =
    text(claims.name) ??
    text(claims.preferred_username) ??
    text(claims.azp) ??
    text(claims.appid) ??
    text(claims.sub) ??
    'unnamed identity';
  const roles = Array.isArray(claims.roles)
    ? claims.roles.filter((r): r is string => typeof r === 'string')
    : [];
  return new Caller(actor, grantsOf(roles), text(claims.oid) ?? text(claims.sub), onBehalfOf);
}
