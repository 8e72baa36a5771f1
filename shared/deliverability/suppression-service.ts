import type { Actor } from '../domain/access';
import { asActor } from '../domain/access';
import type { ContactPoint, ContactPointParser } from '../domain/contact-point';
import { contactPointId } from '../domain/contact-point';
import type { Channel } from '../domain/model';
import {
  activeSuppression,
  applyDeliveryEvent,
  emptySuppression,
  liftSuppression,
  type DeliveryEventKind,
  type SuppressionKind,
  type SuppressionState,
} from '../domain/suppression';
import { ConflictError, ValidationError, type ErrorDetail } from '../errors';
import { commitWithRetry, type Attempt } from '../services/commit-with-retry';
import { MAX_EVENTS_KEPT } from '../services/write-planner';
import type { ConsentStore, ContactPointState } from '../storage/consent-store';
import { erasedEventKey } from '../storage/subject-key';
import { mapLimit } from '../utils/map-limit';
import type { RejectedEvent } from '../sms/event-grid';

/** One delivery event or suppression to record for an address. */
export interface SuppressionInput {
  channel: Channel;
  contactPoint: string;
  kind: DeliveryEventKind;
  /** When it happened (RFC 3339); later than now, or absent: now. */
  at?: string | undefined;
  detail?: string | undefined;
  /** The provider's event id: a second delivery of it changes nothing. */
  eventId?: string | undefined;
}

export interface SuppressionResult {
  index: number;
  suppressed: boolean;
  kind?: SuppressionKind;
  /** The end of a bounce suppression; null while not suppressed or with no end (complaint, manual). */
  suppressedUntil: string | null;
}

export interface SuppressionView {
  suppressed: boolean;
  kind?: SuppressionKind;
  until?: string;
  events: SuppressionState['events'];
}

/**
 * Suppressions (API.md, "Suppressions"): recorded in the contact point's own state entity, beside
 * its consent but apart from it (no consent record or history changes), so the check reads both in
 * its one point read. Events for one address apply in order in one commit, retried on conflicts.
 */
export class SuppressionService {
  private readonly clock: () => Date;

  constructor(
    private readonly store: ConsentStore,
    private readonly parser: ContactPointParser,
    private readonly options: { concurrency: number; clock?: () => Date },
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Every address parsed first: one unusable address refuses the request and nothing is written. */
  parse(inputs: readonly SuppressionInput[]): ContactPoint[] {
    const problems: ErrorDetail[] = [];
    const parsed = inputs.map((input, index) => {
      const n = this.parser.parse(input.channel, input.contactPoint);
      if (n.ok) return { channel: input.channel, address: n.address };
      problems.push({ path: `suppressions[${index}].contactPoint`, message: n.message, index });
      return undefined;
    });
    if (problems.length > 0)
      throw new ValidationError('The suppressions are not valid; nothing was written.', problems);
    return parsed as ContactPoint[];
  }

  /**
   * Records the events of a provider's delivery: an event whose address is unusable is reported
   * (`field` names where it was) and the others are recorded.
   */
  async recordEvents(
    events: ReadonlyArray<SuppressionInput & { index: number }>,
    source: string,
    field: string,
    actor?: string | Actor,
  ): Promise<RejectedEvent[]> {
    const usable: Array<SuppressionInput & { index: number }> = [];
    const contactPoints: ContactPoint[] = [];
    const rejected: RejectedEvent[] = [];
    for (const event of events) {
      const n = this.parser.parse(event.channel, event.contactPoint);
      if (!n.ok) {
        rejected.push({ index: event.index, reason: `[${event.index}].${field}: ${n.message}` });
        continue;
      }
      usable.push(event);
      contactPoints.push({ channel: event.channel, address: n.address });
    }
    if (usable.length > 0) await this.record(usable, contactPoints, source, actor);
    return rejected;
  }

  /** Records events (their addresses already parsed), grouped per address, in order. */
  async record(
    inputs: readonly SuppressionInput[],
    contactPoints: readonly ContactPoint[],
    source: string,
    actor?: string | Actor,
  ): Promise<SuppressionResult[]> {
    await this.store.ready();
    const groups = new Map<string, { contactPoint: ContactPoint; indices: number[] }>();
    contactPoints.forEach((contactPoint, index) => {
      const key = contactPointId(contactPoint);
      const group = groups.get(key) ?? { contactPoint, indices: [] };
      group.indices.push(index);
      groups.set(key, group);
    });
    const results = new Array<SuppressionResult>(inputs.length);
    const by = actor === undefined ? undefined : asActor(actor).name;
    await mapLimit([...groups.values()], this.options.concurrency, async ({ contactPoint, indices }) => {
      const plan = (state: ContactPointState): Attempt<SuppressionResult[]> => {
        const now = this.clock().getTime();
        let suppression = state.suppression ?? emptySuppression();
        const events = new Map(state.events);
        let changed = false;
        const outcome = indices.map((index) => {
          const input = inputs[index]!;
          const repeated =
            input.eventId !== undefined &&
            (events.has(input.eventId) || events.has(erasedEventKey(input.eventId)));
          // A delivery only matters to a soft bounce streak: otherwise it is not written at all.
          const idle = input.kind === 'delivered' && suppression.softStreak === 0;
          if (!repeated && !idle) {
            const at =
              input.at !== undefined && Date.parse(input.at) <= now ? input.at : new Date(now).toISOString();
            suppression = applyDeliveryEvent(suppression, {
              kind: input.kind,
              at: new Date(Date.parse(at)).toISOString(),
              source: by === undefined ? source : `${source} (${by})`,
              ...(input.detail !== undefined ? { detail: input.detail } : {}),
            });
            changed = true;
            if (input.eventId !== undefined) {
              events.set(input.eventId, new Date(now).toISOString());
              for (const oldest of events.keys()) {
                if (events.size <= MAX_EVENTS_KEPT) break;
                events.delete(oldest);
              }
            }
          }
          return { index, ...describe(suppression, now) };
        });
        const next = {
          records: state.records,
          seen: state.seen,
          pending: state.pending,
          events,
          suppression,
        };
        return { commit: changed ? this.store.prepare(contactPoint, next, []) : undefined, result: outcome };
      };
      const state = await this.store.read(contactPoint);
      const outcome = await commitWithRetry(this.store, contactPoint, { state, attempt: plan(state) }, plan);
      for (const result of outcome) results[result.index] = result;
    });
    return results;
  }

  async get(channel: Channel, raw: string): Promise<SuppressionView> {
    const contactPoint = this.parse([{ channel, contactPoint: raw, kind: 'manual' }])[0]!;
    await this.store.ready();
    const state = await this.store.read(contactPoint);
    return view(state.suppression, this.clock().getTime());
  }

  /** Lifts a bounce or manual suppression; a complaint cannot be lifted (409). */
  async lift(channel: Channel, raw: string, actor: string | Actor): Promise<SuppressionView> {
    const contactPoint = this.parse([{ channel, contactPoint: raw, kind: 'manual' }])[0]!;
    await this.store.ready();
    const plan = (state: ContactPointState): Attempt<SuppressionView> => {
      const now = this.clock().getTime();
      if (!state.suppression || !activeSuppression(state.suppression, now))
        return { commit: undefined, result: view(state.suppression, now) };
      const lifted = liftSuppression(state.suppression, {
        at: new Date(now).toISOString(),
        source: `api (${asActor(actor).name})`,
      });
      if (lifted === 'complaint')
        throw new ConflictError(
          'This address complained of spam: its suppression never expires and cannot be lifted by the sender.',
        );
      const next = {
        records: state.records,
        seen: state.seen,
        pending: state.pending,
        events: state.events,
        suppression: lifted,
      };
      return { commit: this.store.prepare(contactPoint, next, []), result: view(lifted, now) };
    };
    const state = await this.store.read(contactPoint);
    return commitWithRetry(this.store, contactPoint, { state, attempt: plan(state) }, plan);
  }
}

function describe(state: SuppressionState, now: number): Omit<SuppressionResult, 'index'> {
  const active = activeSuppression(state, now);
  return active
    ? { suppressed: true, kind: active.kind, suppressedUntil: active.until ?? null }
    : { suppressed: false, suppressedUntil: null };
}

function view(state: SuppressionState | undefined, now: number): SuppressionView {
  const active = activeSuppression(state, now);
  return {
    suppressed: active !== undefined,
    ...(active ? { kind: active.kind } : {}),
    ...(active?.until ? { until: active.until } : {}),
    events: state?.events ?? [],
  };
}
