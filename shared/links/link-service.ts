import type { Catalog } from '../domain/catalog';
import { preferencePrefill, type PreferencePrefill } from '../domain/centers';
import type { ContactPointParser } from '../domain/contact-point';
import type { Channel, Profile, Purpose, Topic } from '../domain/model';
import { NotFoundError, ValidationError, type ErrorDetail } from '../errors';
import type { UpsertResult } from '../api/common/common.schemas';
import type { LinkRequest, LinkSet } from '../api/links/links.schemas';
import type { CatalogService } from '../services/catalog-service';
import { describeContactability, factsOf } from '../services/check-service';
import type { ConsentService } from '../services/consent-service';
import type { ContactPoint } from '../domain/contact-point';
import type { LinkKeyRing } from './link-keys';
import { openShownChoices, sealShownChoices } from './shown-choices';
import { linkTarget, unaffectedPurposes, type LinkTargetRef } from '../domain/link-target';
import {
  idReference,
  openLink,
  sealLink,
  type LinkClaims,
  type LinkKey,
  type LinkTarget,
} from './link-token';

/** What a valid link names, resolved against today's profiles. */
export interface ResolvedLink {
  token: string;
  contactPoint: ContactPoint;
  profile: Profile;
  purpose?: Purpose;
  topic?: Topic;
  claims: LinkClaims;
  /** What it unsubscribes from that keeps coming anyway (enforcement `disabled` on its channel). */
  unaffected: Purpose[];
}

export interface PreferencesView {
  link: ResolvedLink;
  prefill: PreferencePrefill;
  /** The prefill, sealed for the form: its POST compares with what the page showed, not with now. */
  shown: string;
}

/** Each field of the preference page's form and the record it stands for, in page order. */
function pageFields(
  prefill: PreferencePrefill,
): Array<{ purposeId: string; topicId?: string; optedIn: boolean; field: string }> {
  return [
    ...prefill.purposes.flatMap((p) => [
      { purposeId: p.purposeId, optedIn: p.optedIn, field: `purpose:${p.purposeId}` },
      ...p.topics.map((t) => ({
        purposeId: p.purposeId,
        topicId: t.topicId,
        optedIn: t.optedIn,
        field: `topic:${t.topicId}`,
      })),
    ]),
    { purposeId: prefill.tracking.purposeId, optedIn: prefill.tracking.optedIn, field: 'tracking' },
  ];
}

interface References {
  profiles: Map<string, Profile[]>;
  purposes: Map<string, Purpose[]>;
  topics: Map<string, Array<{ purpose: Purpose; topic: Topic }>>;
}

const references = new WeakMap<Catalog, References>();

/** Every profile, purpose and topic of a catalog by the reference a token holds for it. */
function referencesOf(catalog: Catalog): References {
  let found = references.get(catalog);
  if (found) return found;
  found = { profiles: new Map(), purposes: new Map(), topics: new Map() };
  const add = <T>(map: Map<string, T[]>, id: string, value: T) => {
    const ref = idReference(id);
    map.set(ref, [...(map.get(ref) ?? []), value]);
  };
  for (const profile of catalog.profiles.values()) {
    add(found.profiles, profile.id, profile);
    for (const purpose of profile.purposes) {
      add(found.purposes, purpose.id, purpose);
      for (const topic of purpose.topics ?? []) add(found.topics, topic.id, { purpose, topic });
    }
  }
  references.set(catalog, found);
  return found;
}

/** The one match, or nothing when none or (a reference collision) several match. */
const only = <T>(matches: T[] | undefined): T | undefined => (matches?.length === 1 ? matches[0] : undefined);

/**
 * Signed links for the people whose consent this is: unsubscribe (RFC 8058 one-click) and the
 * preference page. Every write goes through the one upsert.
 */
export class LinkService {
  private readonly clock: () => number;

  constructor(
    private readonly catalog: CatalogService,
    private readonly keys: LinkKeyRing,
    private readonly consents: ConsentService,
    private readonly parser: ContactPointParser,
    clock?: () => number,
  ) {
    this.clock = clock ?? Date.now;
  }

  /** Links for each request, in order; one 400 names every bad index and path. */
  async create(requests: readonly LinkRequest[], baseUrl: string): Promise<LinkSet[]> {
    const catalog = await this.catalog.current();
    const problems: ErrorDetail[] = [];
    const resolved = requests.map((request, index) => {
      const at = (field: string, message: string) =>
        problems.push({ index, path: `links[${index}].${field}`, message });
      const normalized = this.parser.parse(request.channel, request.contactPoint);
      if (!normalized.ok) at('contactPoint', normalized.message);
      const target = linkTarget(catalog, request, at);
      // A link must not promise what an opt-out cannot do: these messages do not depend on consent.
      if (target && unaffectedPurposes(target, request.channel).length > 0) {
        const names = unaffectedPurposes(target, request.channel).map((p) => `"${p.id}"`);
        at(
          request.topicId !== undefined
            ? 'topicId'
            : request.purposeId !== undefined
              ? 'purposeId'
              : 'profileId',
          target.purpose
            ? `purpose ${names.join(', ')} is sent whatever consent says on ${request.channel} (enforcement disabled): an unsubscribe link would stop nothing`
            : `purposes ${names.join(', ')} are sent whatever consent says on ${request.channel} (enforcement disabled): an unsubscribe link would not stop them`,
        );
        return undefined;
      }
      return normalized.ok && target
        ? { contactPoint: { channel: request.channel, address: normalized.address }, target }
        : undefined;
    });
    if (problems.length > 0) throw new ValidationError('Some links cannot be made; none was.', problems);
    const key = await this.keys.signing();
    return resolved.map((r, i) => {
      const { expiresAt, language } = requests[i]!;
      return this.linkSet(
        r!.contactPoint,
        r!.target,
        key,
        baseUrl,
        expiresAt === undefined ? undefined : Date.parse(expiresAt),
        language,
      );
    });
  }

  /** The signing key, for callers that make many link sets at once. */
  signingKey(): Promise<LinkKey> {
    return this.keys.signing();
  }

  /** Makes link sets on `baseUrl` with the signing key read once (a check's whole batch). */
  async linkFactory(
    baseUrl: string,
  ): Promise<(contactPoint: ContactPoint, target: LinkTargetRef) => LinkSet> {
    const key = await this.keys.signing();
    return (contactPoint, target) => this.linkSet(contactPoint, target, key, baseUrl);
  }

  linkSet(
    contactPoint: ContactPoint,
    target: LinkTargetRef,
    key: LinkKey,
    baseUrl: string,
    expiresAt?: number,
    language?: string,
  ): LinkSet {
    const kind: LinkTarget = target.topic ? 'topic' : target.purpose ? 'purpose' : 'profile';
    const token = sealLink(
      {
        kind: 'links',
        channel: contactPoint.channel,
        address: contactPoint.address,
        profileRef: idReference(target.profile.id),
        target: kind,
        ...(kind !== 'profile' ? { targetRef: idReference((target.topic ?? target.purpose)!.id) } : {}),
        ...(expiresAt !== undefined ? { expiresAt: Math.ceil(expiresAt / 1000) } : {}),
        ...(language !== undefined ? { language } : {}),
      },
      key,
    );
    const unsubscribeUrl = `${baseUrl}/api/unsubscribe/${token}`;
    return {
      unsubscribeUrl,
      preferencesUrl: `${baseUrl}/api/preferences/${token}`,
      ...(contactPoint.channel === 'email'
        ? {
            headers: {
              'List-Unsubscribe': `<${unsubscribeUrl}>`,
              'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            },
          }
        : {}),
    };
  }

  /**
   * What a token names, or a NotFoundError for anything else: malformed, tampered, signed by a key
   * no longer accepted, expired, of another kind, or naming what no longer exists.
   */
  async resolve(token: string, kind: LinkClaims['kind'] = 'links'): Promise<ResolvedLink> {
    const invalid = () => new NotFoundError('This link is not valid.');
    const claims = openLink(token, await this.keys.all());
    if (!claims || claims.kind !== kind) throw invalid();
    if (claims.expiresAt !== undefined && this.clock() > claims.expiresAt * 1000) throw invalid();
    const catalog = await this.catalog.current();
    const refs = referencesOf(catalog);
    const profile = only(refs.profiles.get(claims.profileRef));
    if (!profile) throw invalid();
    let purpose: Purpose | undefined;
    let topic: Topic | undefined;
    if (claims.target === 'purpose') {
      purpose = only(refs.purposes.get(claims.targetRef!));
      if (!purpose || !profile.purposes.includes(purpose)) throw invalid();
      if (purpose.type === 'tracking' && kind !== 'confirm') throw invalid();
    } else if (claims.target === 'topic') {
      const found = only(refs.topics.get(claims.targetRef!));
      if (!found || !profile.purposes.includes(found.purpose)) throw invalid();
      ({ purpose, topic } = found);
    }
    const normalized = this.parser.parse(claims.channel, claims.address);
    if (!normalized.ok) throw invalid();
    return {
      token,
      contactPoint: { channel: claims.channel, address: normalized.address },
      profile,
      ...(purpose ? { purpose } : {}),
      ...(topic ? { topic } : {}),
      claims,
      unaffected: unaffectedPurposes(
        { profile, ...(purpose ? { purpose } : {}), ...(topic ? { topic } : {}) },
        claims.channel,
      ),
    };
  }

  /** One-click unsubscribe: the token's topic, else its purpose, else every commercial purpose. */
  async unsubscribe(token: string): Promise<{ link: ResolvedLink; results: UpsertResult[] }> {
    const link = await this.resolve(token);
    const targets: Array<{ purposeId: string; topicId?: string }> = link.topic
      ? [{ purposeId: link.purpose!.id, topicId: link.topic.id }]
      : link.purpose
        ? [{ purposeId: link.purpose.id }]
        : link.profile.purposes.filter((p) => p.type === 'commercial').map((p) => ({ purposeId: p.id }));
    const results = await this.consents.upsert(
      targets.map((target) => ({
        channel: link.contactPoint.channel,
        contactPoint: link.contactPoint.address,
        ...target,
        value: 'optedOut',
        source: 'listUnsubscribe',
        reason: 'optOutOneClickUnsubscribe',
      })),
      'list-unsubscribe',
    );
    return { link, results };
  }

  /** The preference page's state: prefilled by the preference center rules for a lead. */
  async preferences(token: string): Promise<PreferencesView> {
    return this.view(await this.resolve(token));
  }

  /**
   * Writes only the choices the person changed from what their page showed (carried, signed, in
   * the form), onto the state current now: a change made since the page was loaded stays unless the
   * person changed that very choice. A form without a valid record of what it showed is `outdated`:
   * nothing is written and the page is shown again as it is now.
   */
  async savePreferences(
    token: string,
    form: URLSearchParams,
  ): Promise<PreferencesView & { changed: number; outdated: boolean }> {
    const link = await this.resolve(token);
    const shown = openShownChoices(form.get('shown'), token, await this.keys.all());
    if (!shown) return { ...(await this.view(link)), changed: 0, outdated: true };
    const current = await this.prefill(link);
    // A field the page did not show (a topic added since) is left alone.
    const changes = pageFields(current).filter(
      (c) => shown.has(c.field) && form.has(c.field) !== shown.get(c.field),
    );
    let changed = 0;
    if (changes.length > 0) {
      const results = await this.consents.upsert(
        changes.map((c) => ({
          channel: link.contactPoint.channel,
          contactPoint: link.contactPoint.address,
          purposeId: c.purposeId,
          ...(c.topicId !== undefined ? { topicId: c.topicId } : {}),
          value: form.has(c.field) ? 'optedIn' : 'optedOut',
          source: 'preferencePage',
        })),
        'preference-page',
      );
      changed = results.filter((r) => r.outcome === 'created' || r.outcome === 'updated').length;
    }
    return { ...(await this.view(link)), changed, outdated: false };
  }

  private async view(link: ResolvedLink): Promise<PreferencesView> {
    const prefill = await this.prefill(link);
    const shown = new Map(pageFields(prefill).map((c) => [c.field, c.optedIn]));
    return { link, prefill, shown: sealShownChoices(shown, link.token, await this.keys.signing()) };
  }

  /** The preference center rules for a lead: the one evaluation, no contact flags. */
  private async prefill(link: ResolvedLink): Promise<PreferencePrefill> {
    const catalog = await this.catalog.current();
    const [state] = await this.consents.readMany([link.contactPoint]);
    const query = {
      channel: link.contactPoint.channel,
      profileId: link.profile.id,
      audience: 'lead',
      contact: {},
    } as const;
    return preferencePrefill(
      describeContactability(
        catalog,
        query,
        link.contactPoint,
        state!.records,
        this.consents.now(),
        factsOf(state!),
      ),
    );
  }
}

/** How a channel's messages are called on the pages. */
export function messagesOn(channel: Channel): string {
  return { email: 'emails', sms: 'text messages', voice: 'calls', custom: 'messages' }[channel];
}
