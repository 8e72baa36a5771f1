/**
 * The app roles of the access model (AUTH_MODE=entra), as the `roles` claim carries them: global
 * (`Consent.Read`) or scoped to one profile (`Consent.Read:brand-a`, a brand or business unit).
 */
export const ROLES = [
  'Consent.Check',
  'Consent.Read',
  'Consent.Write',
  'Profiles.Manage',
  'Subjects.Erase',
  'Consent.Admin',
] as const;
export type Role = (typeof ROLES)[number];

/** The profiles a role reaches: every one, or these. */
export type ProfileScope = 'all' | ReadonlySet<string>;

const NONE: ProfileScope = new Set<string>();

const isRole = (text: string): text is Role => (ROLES as readonly string[]).includes(text);

/** Who made a change, as history entries and feed changes carry it. */
export interface Actor {
  /** The name written as `actor` (and a record's `modifiedBy`). */
  readonly name: string;
  /** The identity's stable id (a token's `oid`, else `sub`), when an identity provider vouches for it. */
  readonly id?: string;
  /** Whom the caller says it acts for (`x-consent-actor` under entra): kept, never the actor. */
  readonly onBehalfOf?: string;
}

/** An actor named by a fixed string (`list-unsubscribe`, `sms-twilio`) or an authenticated one. */
export function asActor(actor: string | Actor): Actor {
  return typeof actor === 'string' ? { name: actor } : actor;
}

/** Who is calling, and what they may do: what every handler gets from the register funnel. */
export class Caller implements Actor {
  private readonly grants: ReadonlyMap<Role, ProfileScope>;

  constructor(
    readonly name: string,
    grants: ReadonlyMap<Role, ProfileScope>,
    readonly id?: string,
    readonly onBehalfOf?: string,
  ) {
    this.grants = grants;
  }

  /** The profiles `role` reaches (Consent.Admin reaches what every role does). */
  scope(role: Role): ProfileScope {
    const own = this.grants.get(role) ?? NONE;
    const admin = this.grants.get('Consent.Admin') ?? NONE;
    if (own === 'all' || admin === 'all') return 'all';
    return own.size === 0 ? admin : admin.size === 0 ? own : new Set([...own, ...admin]);
  }

  /** Whether `role` reaches `profileId`, or (without one) any profile at all. */
  can(role: Role, profileId?: string): boolean {
    const scope = this.scope(role);
    if (scope === 'all') return true;
    return profileId === undefined ? scope.size > 0 : scope.has(profileId);
  }

  /** Every role the caller holds, as the claim spells it (for the consent center). */
  roles(): string[] {
    return [...this.grants].flatMap(([role, scope]) =>
      scope === 'all' ? [role] : [...scope].map((profile) => `${role}:${profile}`),
    );
  }

  /** A caller holding every role everywhere: a function key, which authorizes the whole app. */
  static keyHolder(actor: string): Caller {
    return new Caller(actor, new Map(ROLES.map((role) => [role, 'all' as const])));
  }
}

/**
 * The grants of a `roles` claim: unknown roles are ignored (an app may define others), a scoped
 * role adds its profile, a global one reaches every profile.
 */
export function grantsOf(claims: readonly string[]): Map<Role, ProfileScope> {
  const grants = new Map<Role, ProfileScope>();
  for (const claim of claims) {
    const colon = claim.indexOf(':');
    const role = colon < 0 ? claim : claim.slice(0, colon);
    if (!isRole(role)) continue;
    if (colon < 0) {
      grants.set(role, 'all');
      continue;
    }
    const profile = claim.slice(colon + 1);
    const scope = grants.get(role);
    if (scope === 'all' || profile === '') continue;
    grants.set(role, new Set([...(scope ?? []), profile]));
  }
  return grants;
}
