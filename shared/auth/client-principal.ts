import { UnauthenticatedError } from '../errors';

/** What App Service authentication says of the signed-in caller (`X-MS-CLIENT-PRINCIPAL`). */
export interface ClientPrincipal {
  name: string | undefined;
  id: string | undefined;
  roles: string[];
}

const ROLE_CLAIMS = ['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'];
const ID_CLAIMS = ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid', 'sub'];
const NAME_CLAIMS = [
  'name',
  'preferred_username',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
];

/**
 * The principal the platform puts on a request after sign-in: base64 JSON `{ auth_typ, claims:
 * [{ typ, val }], name_typ, role_typ }`. Trusted only where App Service authentication is on (it
 * strips any a client sends); a header that cannot be read is a 401.
 */
export function readClientPrincipal(header: string): ClientPrincipal {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    throw new UnauthenticatedError('invalid_token');
  }
  const body = parsed as { claims?: unknown; name_typ?: unknown; role_typ?: unknown };
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(body.claims))
    throw new UnauthenticatedError('invalid_token');
  const claims = body.claims.flatMap((c: unknown) => {
    const claim = c as { typ?: unknown; val?: unknown };
    return typeof claim?.typ === 'string' && typeof claim.val === 'string'
      ? [{ typ: claim.typ, val: claim.val }]
      : [];
  });
  const of = (types: readonly string[]) => claims.filter((c) => types.includes(c.typ)).map((c) => c.val);
  const roleTypes = typeof body.role_typ === 'string' ? [body.role_typ, ...ROLE_CLAIMS] : ROLE_CLAIMS;
  const nameTypes = typeof body.name_typ === 'string' ? [body.name_typ, ...NAME_CLAIMS] : NAME_CLAIMS;
  return { name: of(nameTypes)[0], id: of(ID_CLAIMS)[0], roles: [...new Set(of(roleTypes))] };
}
