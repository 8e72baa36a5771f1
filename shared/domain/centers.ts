import type { ErrorDetail } from '../errors';
import { trackingPurposeOf, type Catalog } from './catalog';
import type { ConsentValue, ContactFlags, Profile, Purpose, PurposeType, Topic } from './model';

/**
 * Will send / will track of one contact point for every purpose and topic of a profile, as
 * `describeContactability` computes it with `evaluateMessage`: the rules are never re-applied here.
 */
export interface WillSendView {
  purposes: ReadonlyArray<{
    purposeId: string;
    type: PurposeType;
    willSend: boolean;
    topics: ReadonlyArray<{ topicId: string; willSend: boolean }>;
  }>;
  tracking: { purposeId: string; willTrack: boolean };
}

export interface SubscriptionFlags {
  doNotEmail: boolean;
  doNotBulkEmail: boolean;
  doNotTrack: boolean;
}

export type OptValue = Extract<ConsentValue, 'optedIn' | 'optedOut'>;

const optValue = (allows: boolean): OptValue => (allows ? 'optedIn' : 'optedOut');

/** A commercial message needs both DoNotEmail and DoNotBulkEmail to allow it. */
export function commercialAllowed(flags: ContactFlags): boolean {
  return flags.doNotEmail !== true && flags.doNotBulkEmail !== true;
}

/**
 * Subscription center prefill over all of a contact's addresses. `views` are evaluated without the
 * contact's flags (consent records only), so DoNotEmail alone never prefills DoNotBulkEmail.
 */
export function subscriptionPrefill(
  contact: ContactFlags,
  views: readonly WillSendView[],
): SubscriptionFlags {
  const anyWillNotSend = (type: PurposeType) =>
    views.some((view) => view.purposes.some((p) => p.type === type && !p.willSend));
  return {
    doNotEmail: contact.doNotEmail === true || anyWillNotSend('transactional'),
    doNotBulkEmail: contact.doNotBulkEmail === true || anyWillNotSend('commercial'),
    doNotTrack: contact.doNotTrack === true || views.some((view) => !view.tracking.willTrack),
  };
}

/** The value a subscription center submit writes to each purpose of the profile (for every address). */
export function subscriptionSubmitValues(
  profile: Profile,
  flags: SubscriptionFlags,
  shown?: SubscriptionFlags,
): Array<{ purposeId: string; value: OptValue }> {
  // With what the form showed, only what the contact changed from it is written: a purpose whose
  // deciding flags are as shown keeps whatever it holds now (an opt-out made meanwhile stays).
  const changed = (...names: Array<keyof SubscriptionFlags>) =>
    !shown || names.some((name) => shown[name] !== flags[name]);
  return profile.purposes.flatMap((purpose) => {
    switch (purpose.type) {
      case 'commercial':
        return changed('doNotEmail', 'doNotBulkEmail')
          ? [{ purposeId: purpose.id, value: optValue(commercialAllowed(flags)) }]
          : [];
      case 'transactional':
        return changed('doNotEmail') ? [{ purposeId: purpose.id, value: optValue(!flags.doNotEmail) }] : [];
      case 'tracking':
        return changed('doNotTrack') ? [{ purposeId: purpose.id, value: optValue(!flags.doNotTrack) }] : [];
    }
  });
}

export interface PreferencePrefill {
  purposes: Array<{
    purposeId: string;
    type: PurposeType;
    optedIn: boolean;
    topics: Array<{ topicId: string; optedIn: boolean }>;
  }>;
  tracking: { purposeId: string; optedIn: boolean };
}

/**
 * Preference center prefill: opted in exactly where the one evaluation says "will send" / "will
 * track". A contact's own flags count through it, so only when the "check contact consent" switch
 * is on (seed 002), and never for leads and data profiles: a prefill never disagrees with the check.
 */
export function preferencePrefill(view: WillSendView): PreferencePrefill {
  return {
    purposes: view.purposes.map((p) => ({
      purposeId: p.purposeId,
      type: p.type,
      optedIn: p.willSend,
      topics: p.topics.map((t) => ({ topicId: t.topicId, optedIn: t.willSend })),
    })),
    tracking: { purposeId: view.tracking.purposeId, optedIn: view.tracking.willTrack },
  };
}

export interface PreferenceChoice {
  purposeId: string;
  topicId?: string;
}

/** Every choice must name a purpose (or one of its topics) of the profile, each at most once. */
export function preferenceChoiceProblems(
  profile: Profile,
  choices: readonly PreferenceChoice[],
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const seen = new Map<string, number>();
  choices.forEach((choice, index) => {
    const at = (field: string, message: string) =>
      problems.push({ index, path: `choices[${index}]${field}`, message });
    const purpose = profile.purposes.find((p) => p.id === choice.purposeId);
    if (!purpose) {
      at('.purposeId', `profile "${profile.id}" has no purpose "${choice.purposeId}"`);
      return;
    }
    if (choice.topicId !== undefined && !topicOf(purpose, choice.topicId)) {
      at('.topicId', `purpose "${purpose.id}" has no topic "${choice.topicId}"`);
      return;
    }
    const key = `${choice.purposeId}\u0000${choice.topicId ?? ''}`;
    const first = seen.get(key);
    if (first !== undefined) at('', `names the same purpose or topic as choices[${first}]`);
    else seen.set(key, index);
  });
  return problems;
}

function topicOf(purpose: Purpose, topicId: string): Topic | undefined {
  return (purpose.topics ?? []).find((t) => t.id === topicId);
}

export const LOAD_FROM = ['contacts', 'leads', 'list'] as const;
export type LoadFrom = (typeof LOAD_FROM)[number];

export interface LoadTarget {
  profileId: string;
  purposeId: string;
  topicId?: string;
  from: LoadFrom;
  value?: OptValue;
}

export interface ResolvedLoadTarget {
  purposeId: string;
  topicId?: string;
  trackingPurposeId: string;
  rule: LoadRule;
}

/**
 * Where a load writes: a commercial or transactional purpose of the profile, or one of its topics
 * (from any source: contacts and leads then take their value into that topic record). Lists need
 * the value to load; contacts and leads must not have one (their flags decide).
 */
export function resolveLoadTarget(
  catalog: Catalog,
  target: LoadTarget,
): { ok: true; target: ResolvedLoadTarget } | { ok: false; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  if (target.from === 'list' && target.value === undefined)
    problems.push({ path: 'value', message: 'required when loading a subscription list' });
  if (target.from !== 'list' && target.value !== undefined) {
    problems.push({
      path: 'value',
      message: 'only for lists: for contacts and leads DoNotEmail and DoNotBulkEmail decide the value',
    });
  }
  const profile = catalog.profiles.get(target.profileId);
  const purpose = profile?.purposes.find((p) => p.id === target.purposeId);
  if (!profile) problems.push({ path: 'profileId', message: `there is no profile "${target.profileId}"` });
  else if (!purpose) {
    problems.push({
      path: 'purposeId',
      message: `profile "${profile.id}" has no purpose "${target.purposeId}"`,
    });
  } else if (purpose.type === 'tracking') {
    problems.push({
      path: 'purposeId',
      message: 'the tracking purpose cannot be loaded: tracking records come from the DoNotTrack of contacts',
    });
  } else if (target.topicId !== undefined && target.from !== 'list') {
    problems.push({ path: 'topicId', message: 'only for lists: contacts and leads load into the purpose' });
  } else if (target.topicId !== undefined && !topicOf(purpose, target.topicId)) {
    problems.push({ path: 'topicId', message: `purpose "${purpose.id}" has no topic "${target.topicId}"` });
  }
  const tracking = profile ? trackingPurposeOf(profile) : undefined;
  if (problems.length > 0 || !purpose || !tracking) return { ok: false, problems };
  const rule: LoadRule =
    target.from === 'list' ? { from: 'list', value: target.value ?? 'optedOut' } : { from: target.from };
  return {
    ok: true,
    target: {
      purposeId: purpose.id,
      ...(target.topicId !== undefined ? { topicId: target.topicId } : {}),
      trackingPurposeId: tracking.id,
      rule,
    },
  };
}

export interface LoadMember extends ContactFlags {
  /** The normalized email address. */
  address: string;
}

/** Members sharing an address: it allows only if all of them allow, so any blocking flag wins. */
export function mergeMemberFlags(a: ContactFlags, b: ContactFlags): ContactFlags {
  return {
    doNotEmail: a.doNotEmail === true || b.doNotEmail === true,
    doNotBulkEmail: a.doNotBulkEmail === true || b.doNotBulkEmail === true,
    doNotTrack: a.doNotTrack === true || b.doNotTrack === true,
  };
}

export interface LoadRow {
  address: string;
  consent: OptValue;
  /** Only for contacts: leads have no tracking field and lists say nothing about tracking. */
  tracking?: OptValue;
}

export type LoadRule = { from: 'list'; value: OptValue } | { from: Exclude<LoadFrom, 'list'> };

/** One row per distinct address, in first-seen order. */
export function loadRows(members: readonly LoadMember[], rule: LoadRule): LoadRow[] {
  const byAddress = new Map<string, ContactFlags>();
  for (const { address, ...flags } of members) {
    const seen = byAddress.get(address);
    byAddress.set(address, seen ? mergeMemberFlags(seen, flags) : flags);
  }
  return [...byAddress].map(([address, flags]): LoadRow => {
    if (rule.from === 'list') return { address, consent: rule.value };
    const consent = optValue(commercialAllowed(flags));
    return rule.from === 'contacts'
      ? { address, consent, tracking: optValue(!flags.doNotTrack) }
      : { address, consent };
  });
}
