import type { Catalog } from '../domain/catalog';
import type { Profile, Purpose, Topic } from '../domain/model';

/** What a link may name: a profile, and optionally one of its sendable purposes or their topics. */
export interface LinkTargetRef {
  profile: Profile;
  purpose?: Purpose;
  topic?: Topic;
}

/**
 * The profile, purpose and topic a link request names, each problem reported through `at`. The
 * tracking purpose is something people opt in to (a double opt-in may name it), never something
 * they unsubscribe from.
 */
export function linkTarget(
  catalog: Catalog,
  request: { profileId: string; purposeId?: string; topicId?: string },
  at: (field: string, message: string) => void,
  allowTracking = false,
): LinkTargetRef | undefined {
  const profile = catalog.profiles.get(request.profileId);
  if (!profile) {
    at('profileId', `there is no profile "${request.profileId}"`);
    return undefined;
  }
  let purpose: Purpose | undefined;
  if (request.purposeId !== undefined) {
    purpose = profile.purposes.find((p) => p.id === request.purposeId);
    if (!purpose)
      return void at('purposeId', `profile "${profile.id}" has no purpose "${request.purposeId}"`);
    if (purpose.type === 'tracking' && !allowTracking)
      return void at('purposeId', 'the tracking purpose is not something people unsubscribe from');
  }
  let topic: Topic | undefined;
  if (request.topicId !== undefined) {
    const entry = catalog.topics.get(request.topicId);
    if (!entry || entry.profile.id !== profile.id)
      return void at('topicId', `profile "${profile.id}" has no topic "${request.topicId}"`);
    if (purpose && entry.purpose.id !== purpose.id)
      return void at('topicId', `topic "${request.topicId}" is not under purpose "${purpose.id}"`);
    purpose = entry.purpose;
    topic = entry.topic;
  }
  return { profile, ...(purpose ? { purpose } : {}), ...(topic ? { topic } : {}) };
}
