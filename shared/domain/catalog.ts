import type { Profile, Purpose, Settings, Topic } from './model';

export interface PurposeEntry {
  profile: Profile;
  purpose: Purpose;
}

export interface TopicEntry extends PurposeEntry {
  topic: Topic;
}

/** Every profile with its purposes and topics indexed by id (ids are unique across profiles). */
export interface Catalog {
  profiles: ReadonlyMap<string, Profile>;
  purposes: ReadonlyMap<string, PurposeEntry>;
  topics: ReadonlyMap<string, TopicEntry>;
  /** The profile that sends from each E.164 number (numbers are unique across profiles). */
  smsNumbers: ReadonlyMap<string, Profile>;
  settings: Settings;
}

export function buildCatalog(profiles: readonly Profile[], settings: Settings): Catalog {
  const byId = new Map<string, Profile>();
  const purposes = new Map<string, PurposeEntry>();
  const topics = new Map<string, TopicEntry>();
  const smsNumbers = new Map<string, Profile>();
  for (const profile of profiles) {
    byId.set(profile.id, profile);
    for (const number of profile.smsNumbers ?? []) smsNumbers.set(number, profile);
    for (const purpose of profile.purposes) {
      purposes.set(purpose.id, { profile, purpose });
      for (const topic of purpose.topics ?? []) topics.set(topic.id, { profile, purpose, topic });
    }
  }
  return { profiles: byId, purposes, topics, smsNumbers, settings };
}

export function trackingPurposeOf(profile: Profile): Purpose | undefined {
  return profile.purposes.find((p) => p.type === 'tracking');
}

/** The ids a profile claims: its purposes and topics. */
export function idsOf(profile: Profile): string[] {
  return profile.purposes.flatMap((p) => [p.id, ...(p.topics ?? []).map((t) => t.id)]);
}

export const DEFAULT_PROFILE: Profile = {
  id: 'default',
  name: 'Default',
  purposes: [
    {
      id: 'commercial',
      name: 'Commercial',
      type: 'commercial',
      enforcement: {
        email: 'nonRestrictive',
        sms: 'restrictive',
        voice: 'restrictive',
        custom: 'restrictive',
      },
      topics: [],
    },
    {
      id: 'transactional',
      name: 'Transactional',
      type: 'transactional',
      enforcement: 'disabled',
      topics: [],
    },
    { id: 'tracking', name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive', topics: [] },
  ],
};
