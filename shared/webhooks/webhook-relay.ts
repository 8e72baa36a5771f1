import type { ChangeFeedService, FeedChange } from '../feed/change-feed';
import { WriteConflict } from '../storage/write-conflict';
import { mapLimit } from '../utils/map-limit';
import { changeId, toCloudEvent, type ConsentCloudEvent } from './cloud-event';
import type { Deliver } from './deliver';
import type { RelayState, WebhookFilter, WebhookStore } from './webhook-store';

export interface RelayOptions {
  /** Who this instance is: the lease names it. */
  instanceId: string;
  clock: () => number;
  /** How long failing deliveries are retried before they are dead-lettered (at least 24 hours). */
  retryMs: number;
  /** A lease lasts this long without being renewed. */
  leaseMs: number;
  /** CloudEvents `source`. */
  source: string;
  /** Makes the consent store ready (its subject key loaded): the feed's changes are read through it. */
  ready: () => Promise<void>;
  /** Which profile a change is of (its purpose's or topic's). */
  profileOf: (change: FeedChange) => Promise<string | undefined>;
}

/** A target the relay delivers to: a subscription, or the Event Grid topic. */
export interface RelayTarget {
  id: string;
  filter: WebhookFilter;
  deliver: Deliver;
}

const PAGE = 500;
/** Contact points of a page delivered side by side. */
const IN_FLIGHT = 16;

/** Exponential backoff with jitter: 1 s, 2 s, 4 s … an hour at most, each between half and all of it. */
export function backoffMs(attempts: number): number {
  const ceiling = Math.min(3_600_000, 1000 * 2 ** Math.min(attempts - 1, 22));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

async function matches(filter: WebhookFilter, change: FeedChange, options: RelayOptions): Promise<boolean> {
  if (filter.channels && !filter.channels.includes(change.channel)) return false;
  if ('type' in change) return true; // an erasure concerns every profile and source
  if (filter.sources && !filter.sources.includes(change.source)) return false;
  if (filter.excludeActors?.includes(change.actor)) return false;
  if (filter.profileIds) {
    const profile = await options.profileOf(change);
    if (profile === undefined || !filter.profileIds.includes(profile)) return false;
  }
  return true;
}

/**
 * Follows the change feed for each target from a cursor kept in storage and delivers every
 * matching change in feed order per contact point, at least once, with a stable id. A target is relayed by one
 * instance at a time (a lease in its state entity, renewed by every save, taken over when it
 * lapses). A failure stops that contact point's deliveries, and the target's next page, until the
 * next attempt (backoff with jitter); after `retryMs` of failing, the change is dead-lettered and
 * the next one goes. The state is saved once a page (and when a long page renews the lease).
 */
export class WebhookRelay {
  constructor(
    private readonly store: WebhookStore,
    private readonly feed: ChangeFeedService,
    private readonly options: RelayOptions,
  ) {}

  /** Subscribes a new target from now on: its first page starts at the feed's present. */
  async start(id: string): Promise<void> {
    await this.options.ready();
    const { cursor } = await this.feed.changes('now', 1);
    const { state, etag } = await this.store.state(id);
    await this.store.saveState(id, { ...state, cursor, done: [] }, etag).catch((error) => {
      if (!(error instanceof WriteConflict)) throw error;
    });
  }

  /** Relays every target until caught up or `deadline` (epoch ms). */
  async run(targets: readonly RelayTarget[], deadline: number): Promise<void> {
    if (targets.length === 0) return;
    await this.options.ready();
    await Promise.all(targets.map((target) => this.relay(target, deadline)));
  }

  private async relay(target: RelayTarget, deadline: number): Promise<void> {
    const { clock, instanceId, leaseMs } = this.options;
    let { state, etag } = await this.store.state(target.id);
    const now = clock();
    if (state.leaseOwner !== instanceId && (state.leaseUntil ?? 0) > now) return;
    if ((state.nextAttemptAt ?? 0) > now) return;
    const save = async (next: RelayState) => {
      state = { ...next, leaseOwner: instanceId, leaseUntil: clock() + leaseMs };
      etag = await this.store.saveState(target.id, state, etag);
    };
    try {
      await save(state); // the lease: a conflict means another instance has it
      while (clock() < deadline) {
        const page = await this.feed.changes(state.cursor || 'now', PAGE);
        const done = new Set(state.done);
        // A page's changes per contact point, in feed order: contact points go side by side, each
        // one's changes one after another, so order holds where it matters and a slow contact
        // point does not hold up the others.
        const byContactPoint = new Map<string, FeedChange[]>();
        for (const change of page.changes) {
          if (done.has(changeId(change))) continue;
          byContactPoint.set(change.subject, [...(byContactPoint.get(change.subject) ?? []), change]);
        }
        let failure: string | undefined;
        let delivered = 0;
        let deadLettered = 0;
        let renewing: Promise<void> = Promise.resolve();
        // The lease is renewed while a long page is delivered (saves one after another).
        const renew = () => {
          if (clock() < (state.leaseUntil ?? 0) - leaseMs / 2) return;
          renewing = renewing.then(() => save({ ...state, done: [...done] }));
        };
        await mapLimit([...byContactPoint.values()], IN_FLIGHT, async (changes) => {
          for (const change of changes) {
            if (clock() >= deadline) return;
            const event = toCloudEvent(change, this.options.source);
            if (!(await matches(target.filter, change, this.options))) {
              done.add(event.id);
              continue;
            }
            const result = await target.deliver(event);
            renew();
            if (result.ok) {
              done.add(event.id);
              delivered++;
              continue;
            }
            if (
              state.firstFailureAt !== undefined &&
              clock() - state.firstFailureAt >= this.options.retryMs
            ) {
              await this.deadLetter(target.id, event, result.error);
              done.add(event.id);
              deadLettered++;
              continue;
            }
            failure ??= result.error;
            return; // this contact point waits; the others go on
          }
        });
        await renewing;
        const counts = {
          delivered: state.delivered + delivered,
          deadLetters: state.deadLetters + deadLettered,
        };
        if (failure !== undefined) {
          const attempts = state.attempts + 1;
          await save({
            ...state,
            ...counts,
            done: [...done],
            attempts,
            firstFailureAt: state.firstFailureAt ?? clock(),
            nextAttemptAt: clock() + backoffMs(attempts),
            lastError: failure,
          });
          return;
        }
        const complete = page.changes.every((c) => done.has(changeId(c)));
        await save({
          ...state,
          ...counts,
          ...(complete ? { cursor: page.cursor, done: [] } : { done: [...done] }),
          attempts: 0,
          firstFailureAt: undefined,
          nextAttemptAt: undefined,
          ...(deadLettered > 0 ? {} : { lastError: undefined }),
        });
        if (!complete || page.changes.length < PAGE) return;
      }
    } catch (error) {
      if (error instanceof WriteConflict) return; // another instance holds the lease
      throw error;
    }
  }

  private async deadLetter(id: string, event: ConsentCloudEvent, error: string): Promise<void> {
    await this.store.addDeadLetter(id, {
      changeId: event.id,
      at: new Date(this.options.clock()).toISOString(),
      error,
      event: JSON.stringify(event),
    });
  }
}
