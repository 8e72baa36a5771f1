import type { ProfileScope, Role } from '../domain/access';
import type { Catalog } from '../domain/catalog';
import { ForbiddenError, type ErrorDetail } from '../errors';

/** The profile a record of a purpose or topic belongs to (a topic's own profile), if it exists. */
export function profileOf(catalog: Catalog, purposeId: string, topicId?: string): string | undefined {
  if (topicId !== undefined) {
    const topic = catalog.topics.get(topicId);
    if (topic) return topic.profile.id;
  }
  return catalog.purposes.get(purposeId)?.profile.id;
}

/** Whether a scope reaches a profile; what belongs to no profile is reached only by a global role. */
export function reaches(scope: ProfileScope, profileId: string | undefined): boolean {
  return scope === 'all' || (profileId !== undefined && scope.has(profileId));
}

/**
 * A request that names profiles a scoped caller does not reach: one 403 naming each index and path,
 * before anything is decided or written. Items naming no existing profile are left to validation.
 */
export function requireScope(
  scope: ProfileScope,
  role: Role,
  items: ReadonlyArray<{ path: string; profileId: string | undefined; index?: number; known?: boolean }>,
): void {
  if (scope === 'all') return;
  const outside: ErrorDetail[] = items
    .filter((item) => (item.known ?? item.profileId !== undefined) && !reaches(scope, item.profileId))
    .map((item) => ({
      path: item.path,
      message: `the role ${role} does not reach this profile`,
      ...(item.index !== undefined ? { index: item.index } : {}),
    }));
  if (outside.length > 0)
    throw new ForbiddenError(`The role ${role} reaches only some profiles; nothing was done.`, outside);
}
