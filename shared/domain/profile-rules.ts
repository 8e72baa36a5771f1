import type { ErrorDetail } from '../errors';
import { idsOf } from './catalog';
import type { Profile } from './model';

/** Rules a profile must follow on its own: one tracking purpose, no id used twice, no tracking topics. */
export function profileShapeProblems(profile: Profile): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const tracking = profile.purposes.filter((p) => p.type === 'tracking');
  if (tracking.length !== 1) {
    problems.push({
      path: 'purposes',
      message: `exactly one tracking purpose is required, found ${tracking.length}`,
    });
  }
  const seen = new Set<string>();
  profile.purposes.forEach((purpose, i) => {
    if (seen.has(purpose.id))
      problems.push({ path: `purposes[${i}].id`, message: `"${purpose.id}" is used twice` });
    seen.add(purpose.id);
    if (purpose.type === 'tracking' && (purpose.topics?.length ?? 0) > 0) {
      problems.push({ path: `purposes[${i}].topics`, message: 'a tracking purpose has no topics' });
    }
    (purpose.topics ?? []).forEach((topic, j) => {
      if (seen.has(topic.id)) {
        problems.push({ path: `purposes[${i}].topics[${j}].id`, message: `"${topic.id}" is used twice` });
      }
      seen.add(topic.id);
    });
  });
  return problems;
}

/** Purpose and topic ids are unique across profiles, since a consent record names no profile. */
export function idsTakenByOthers(profile: Profile, others: readonly Profile[]): ErrorDetail[] {
  const owner = new Map<string, string>();
  for (const other of others)
    if (other.id !== profile.id) for (const id of idsOf(other)) owner.set(id, other.id);
  return idsOf(profile)
    .filter((id) => owner.has(id))
    .map((id) => ({ path: 'purposes', message: `id "${id}" belongs to profile "${owner.get(id)}"` }));
}
