import type { Catalog } from './catalog';
import { enforcementOn, type Channel, type Profile, type Purpose, type Topic } from './model';

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

/**
 * The purposes an unsubscribe through this target opts out of on `channel` whose messages do not
 * depend on consent there (enforcement `disabled`): they keep coming, whatever the person chooses.
 */
export function unaffectedPurposes(target: LinkTargetRef, channel: Channel): Purpose[] {
  const purposes = target.purpose
    ? [target.purpose]
    : target.profile.purposes.filter((p) => p.type === 'commercial');
  return purposes.filter((p) => enforcementOn(p.enforcement, channel) === 'disabled');
}

/**
 * The target of an unsubscribe link that does what it says: the one named, else (its purpose sends
 * whatever consent says on this channel) the profile's commercial purposes, else none at all.
 */
export function effectiveLinkTarget(target: LinkTargetRef, channel: Channel): LinkTargetRef | undefined {
  if (unaffectedPurposes(target, channel).length === 0) return target;
  const profileWide = { profile: target.profile };
  const commercial = target.profile.purposes.filter((p) => p.type === 'commercial');
  return unaffectedPurposes(profileWide, channel).length < commercial.length ? profileWide : undefined;
}
