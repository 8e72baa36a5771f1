import { randomUUID } from 'node:crypto';
import type {
  AuditQuery,
  EraseResult,
  ExportBody,
  ExportedContactPoint,
} from '../api/subjects/subjects.schemas';
import type { Actor, ProfileScope } from '../domain/access';
import { contactPointId, type ContactPoint, type ContactPointParser } from '../domain/contact-point';
import type { Erasure } from '../domain/erasure';
import type { Channel } from '../domain/model';
import { StorageContentionError, ValidationError, type ErrorDetail } from '../errors';
import { toApiHistoryEntry, toApiRecord } from '../services/api-record';
import type { CatalogService } from '../services/catalog-service';
import { profileOf, reaches } from '../services/profile-scope';
import type { ConsentStore, ContactPointState, HistoryEntry } from '../storage/consent-store';
import { contactPointKey } from '../storage/keys';
import { isErasedEventKey, subjectOf } from '../storage/subject-key';
import { WriteConflict } from '../storage/write-conflict';
import { mapLimit } from '../utils/map-limit';
import type { AuditEntry, AuditPage, AuditStore, PendingErasure } from './audit-store';

export interface SubjectServiceOptions {
  parser: ContactPointParser;
  concurrency: number;
  clock?: () => Date;
}

/** Tries of one erasure against writers that keep changing the contact point. */
const MAX_ERASE_ATTEMPTS = 16;
/** History entries read per page when exporting. */
const EXPORT_PAGE = 1000;
/** A pending erasure this old can no longer land: the sweep settles it. */
const SETTLE_MS = 10 * 60_000;

/**
 * Data subject requests: export (everything held about an address) and erasure (nothing of it left
 * but a tombstone that keeps blocking, see DOMAIN.md "Erasure"). Both are audited, by keyed digest.
 *
 * An erasure is one commit per contact point, all or nothing: the tombstone replaces the state (on
 * its ETag, so a concurrent write makes it start again from what that writer left), with the
 * erasure's own history row and the newest history rows deleted in the same transaction. Older rows
 * are deleted next; until they are, no read goes past the erasure's row, a pending entry in the audit
 * table names the work left, and a retried erase or the sweep finishes it.
 */
export class SubjectService {
  private readonly clock: () => Date;

  constructor(
    private readonly store: ConsentStore,
    private readonly audit: AuditStore,
    private readonly catalog: CatalogService,
    private readonly options: SubjectServiceOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  async export(body: ExportBody, actor: Actor, scope: ProfileScope) {
    const contactPoints = this.parse(body.contactPoints);
    const catalog = await this.catalog.current();
    await Promise.all([this.store.ready(), this.audit.ready()]);
    const exported = await mapLimit(contactPoints, this.options.concurrency, async (contactPoint) => {
      const state = await this.store.read(contactPoint);
      const history = await this.allHistory(contactPoint);
      const inScope = (purposeId: string, topicId?: string) =>
        reaches(scope, profileOf(catalog, purposeId, topicId));
      const result: ExportedContactPoint = {
        channel: contactPoint.channel,
        contactPoint: contactPoint.address,
        erased: state.erased !== undefined,
        ...(state.erased ? { erasedAt: state.erased.at } : {}),
        records: [...state.records.values()]
          .filter((r) => inScope(r.purposeId, r.topicId))
          .map((r) => toApiRecord(contactPoint, r, catalog)),
        history: history
          .filter((e) => inScope(e.purposeId, e.topicId))
          .map((e) => toApiHistoryEntry(contactPoint, e)),
        pendingConfirmations: [...state.pending.values()].filter((p) => reaches(scope, p.profileId)),
        suppressions: scope === 'all' ? (state.suppression?.events ?? []) : [],
        providerEvents:
          scope === 'all'
            ? [...state.events].filter(([id]) => !isErasedEventKey(id)).map(([id, at]) => ({ id, at }))
            : [],
      };
      return result;
    });
    // Audited before anything is handed over: an export that cannot be audited is not made.
    const exportedAt = this.clock().toISOString();
    await this.audit.record(contactPoints.map((cp) => this.entry('export', cp, exportedAt, actor)));
    return { exportedAt, contactPoints: exported };
  }

  async erase(
    given: ExportBody['contactPoints'],
    reason: string | undefined,
    actor: Actor,
  ): Promise<EraseResult[]> {
    const contactPoints = this.parse(given);
    await Promise.all([this.store.ready(), this.audit.ready()]);
    // One erasure per distinct contact point; a repeat in the request shares its outcome.
    const distinct = new Map(contactPoints.map((cp) => [contactPointId(cp), cp]));
    const outcomes = new Map<string, EraseResult['outcome']>();
    await mapLimit([...distinct], this.options.concurrency, async ([id, cp]) => {
      outcomes.set(id, await this.eraseOne(cp, reason, actor));
    });
    return contactPoints.map((cp, index) => ({ index, outcome: outcomes.get(contactPointId(cp))! }));
  }

  async auditLog(query: AuditQuery): Promise<AuditPage> {
    await this.audit.ready();
    return this.audit.list(query);
  }

  /**
   * Finishes erasures whose request failed half-way (their tombstone landed, some history did not go
   * yet) and forgets those that never landed. Runs on a timer; returns how many it settled.
   */
  async sweep(): Promise<number> {
    await Promise.all([this.store.ready(), this.audit.ready()]);
    const stale = await this.audit.pending(this.clock().getTime() - SETTLE_MS);
    for (const pending of stale) await this.finish(pending);
    return stale.length;
  }

  private async eraseOne(
    contactPoint: ContactPoint,
    reason: string | undefined,
    actor: Actor,
  ): Promise<EraseResult['outcome']> {
    for (let attempt = 1; ; attempt++) {
      const state = await this.store.read(contactPoint);
      if (state.erased && holdsNothing(state)) {
        // Erased already (perhaps by this request's first try): finish what is left of it.
        if (state.purging) await this.finish(this.pendingOf(contactPoint, state.erased));
        return 'erased';
      }
      const erasure = {
        id: randomUUID(),
        at: this.clock().toISOString(),
        actor: actor.name,
        ...(actor.id !== undefined ? { actorId: actor.id } : {}),
        ...(actor.onBehalfOf !== undefined ? { onBehalfOf: actor.onBehalfOf } : {}),
        ...(reason !== undefined ? { reason } : {}),
      };
      const prepared = await this.store.prepareErasure(contactPoint, erasure, state);
      const pending = this.pendingOf(contactPoint, prepared.erasure);
      await this.audit.begin(pending);
      try {
        const publication = await this.store.publish([{ prepared, previous: state }]);
        await this.store.commit(prepared, state, publication);
      } catch (error) {
        if (!(error instanceof WriteConflict)) throw error;
        // Someone wrote in between: start again from what they left.
        await this.audit.end(pending.entry.id).catch(() => undefined);
        if (attempt >= MAX_ERASE_ATTEMPTS) throw new StorageContentionError();
        continue;
      }
      await this.finish(pending, prepared.remaining);
      return state.etag === null ? 'notFound' : 'erased';
    }
  }

  /** Deletes what history is left, audits the erasure and drops its pending entry. */
  private async finish(pending: PendingErasure, known?: readonly string[]): Promise<void> {
    const erasure: Erasure = {
      id: pending.entry.id,
      at: pending.entry.at,
      actor: pending.entry.actor,
      sequence: pending.sequence,
    };
    if (await this.store.purge(pending.contactKey, erasure, known)) await this.audit.record([pending.entry]);
    await this.audit.end(pending.entry.id);
  }

  private pendingOf(contactPoint: ContactPoint, erasure: Erasure): PendingErasure {
    return {
      entry: {
        ...this.entry('erasure', contactPoint, erasure.at, {
          name: erasure.actor,
          ...(erasure.actorId !== undefined ? { id: erasure.actorId } : {}),
          ...(erasure.onBehalfOf !== undefined ? { onBehalfOf: erasure.onBehalfOf } : {}),
        }),
        id: erasure.id,
        ...(erasure.reason !== undefined ? { reason: erasure.reason } : {}),
      },
      contactKey: contactPointKey(contactPoint.channel, contactPoint.address),
      sequence: erasure.sequence,
    };
  }

  private entry(type: AuditEntry['type'], contactPoint: ContactPoint, at: string, actor: Actor): AuditEntry {
    return {
      id: randomUUID(),
      type,
      subject: subjectOf(contactPoint.channel, contactPoint.address),
      channel: contactPoint.channel,
      at,
      actor: actor.name,
      ...(actor.id !== undefined ? { actorId: actor.id } : {}),
      ...(actor.onBehalfOf !== undefined ? { onBehalfOf: actor.onBehalfOf } : {}),
    };
  }

  /** Every history entry of a contact point, newest first. */
  private async allHistory(contactPoint: ContactPoint): Promise<HistoryEntry[]> {
    const entries: HistoryEntry[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.store.history(contactPoint, {
        limit: EXPORT_PAGE,
        ...(continuationToken ? { continuationToken } : {}),
      });
      entries.push(...page.entries);
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return entries;
  }

  /** Normalized contact points, or one 400 naming every bad index. */
  private parse(given: ReadonlyArray<{ channel: Channel; contactPoint: string }>): ContactPoint[] {
    const problems: ErrorDetail[] = [];
    const parsed = given.map((cp, index) => {
      const normalized = this.options.parser.parse(cp.channel, cp.contactPoint);
      if (normalized.ok) return { channel: cp.channel, address: normalized.address };
      problems.push({ index, path: `contactPoints[${index}].contactPoint`, message: normalized.message });
      return undefined;
    });
    if (problems.length > 0) throw new ValidationError('A contact point is not valid.', problems);
    return parsed as ContactPoint[];
  }
}

/** An erased contact point with nothing stored since: its tombstone alone. */
function holdsNothing(state: ContactPointState): boolean {
  return (
    state.records.size === 0 && state.pending.size === 0 && [...state.events.keys()].every(isErasedEventKey)
  );
}
