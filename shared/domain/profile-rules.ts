import type { ErrorDetail } from '../errors';
import { idsOf } from './catalog';
import type { Profile } from './model';

/** A profile as far as its shape rules look at it: what is not of the right type is skipped. */
export interface ProfileOutline {
  purposes: ReadonlyArray<{ id?: unknown; type?: unknown; topics?: unknown }>;
}

const idOf = (thing: unknown): string | undefined =>
  typeof thing === 'object' && thing !== null && typeof (thing as { id?: unknown }).id === 'string'
    ? (thing as { id: string }).id
    : undefined;

/**
 * Rules a profile must follow on its own: one tracking purpose, no id used twice, no tracking
 * topics. They run on the outline of a body that failed its schema too, so one answer names all.
 */
export function profileShapeProblems(profile: ProfileOutline): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const tracking = profile.purposes.filter((p) => p?.type === 'tracking');
  if (tracking.length !== 1) {
    problems.push({
      path: 'purposes',
      message: `exactly one tracking purpose is required, found ${tracking.length}`,
    });
  }
  const seen = new Set<string>();
  profile.purposes.forEach((purpose, i) => {
    const purposeId = idOf(purpose);
    if (purposeId !== undefined) {
      if (seen.has(purposeId))
        problems.push({ path: `purposes[${i}].id`, message: `"${purposeId}" is used twice` });
      seen.add(purposeId);
    }
    const topics = Array.isArray(purpose?.topics) ? (purpose.topics as unknown[]) : [];
    if (purpose?.type === 'tracking' && topics.length > 0) {
      problems.push({ path: `purposes[${i}].topics`, message: 'a tracking purpose has no topics' });
    }
    topics.forEach((topic, j) => {
      const topicId = idOf(topic);
      if (topicId === undefined) return;
      if (seen.has(topicId)) {
        problems.push({ path: `purposes[${i}].topics[${j}].id`, message: `"${topicId}" is used twice` });
      }
      seen.add(topicId);
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

/** The Dataverse GUIDs a profile gives itself, its purposes and topics. */
function dataverseIdsOf(profile: Profile): string[] {
  return [
    profile.dataverseId,
    ...profile.purposes.flatMap((p) => [p.dataverseId, ...(p.topics ?? []).map((t) => t.dataverseId)]),
  ].filter((id): id is string => id !== undefined);
}

/** A Dataverse GUID names one profile, purpose or topic, across every profile and within this one. */
export function dataverseIdsTaken(profile: Profile, others: readonly Profile[]): ErrorDetail[] {
  const owner = new Map<string, string>();
  for (const other of others)
    if (other.id !== profile.id)
      for (const id of dataverseIdsOf(other)) owner.set(id, `profile "${other.id}"`);
  const problems: ErrorDetail[] = [];
  for (const id of dataverseIdsOf(profile)) {
    const taken = owner.get(id);
    if (taken) problems.push({ path: 'purposes', message: `dataverseId ${id} belongs to ${taken}` });
    owner.set(id, 'another purpose or topic of this profile');
  }
  return problems;
}

/** A text message number names one profile: a keyword sent to it acts on that profile's purposes. */
export function numbersTakenByOthers(profile: Profile, others: readonly Profile[]): ErrorDetail[] {
  const owner = new Map<string, string>();
  for (const other of others)
    if (other.id !== profile.id) for (const number of other.smsNumbers ?? []) owner.set(number, other.id);
  return (profile.smsNumbers ?? []).flatMap((number, i) =>
    owner.has(number)
      ? [{ path: `smsNumbers[${i}]`, message: `the number belongs to profile "${owner.get(number)}"` }]
      : [],
  );
}
