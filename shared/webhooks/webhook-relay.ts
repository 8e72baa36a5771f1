import type { ChangeFeedService, FeedChange } from '../feed/change-feed';
import { WriteConflict } from '../storage/write-conflict';
import { toCloudEvent, type ConsentCloudEvent } from './cloud-event';
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

const PAGE = 100;

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
 * matching change in feed order, at least once, with a stable id. A target is relayed by one
 * instance at a time (a lease in its state entity, renewed by every save, taken over when it
 * lapses). A failure stops the target's deliveries until its next attempt (backoff with jitter);
 * after `retryMs` of failing, the change is dead-lettered and the next one goes.
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
        for (const change of page.changes) {
          const event = toCloudEvent(change, this.options.source);
          if (done.has(event.id)) continue;
          if (clock() >= deadline) return;
          if (!(await matches(target.filter, change, this.options))) {
            done.add(event.id);
            continue;
          }
          const result = await target.deliver(event);
          if (result.ok) {
            done.add(event.id);
            await save({
              ...state,
              done: [...done],
              attempts: 0,
              firstFailureAt: undefined,
              nextAttemptAt: undefined,
              lastError: undefined,
              delivered: state.delivered + 1,
            });
            continue;
          }
          const failedSince = state.firstFailureAt ?? clock();
          if (clock() - failedSince >= this.options.retryMs) {
            await this.deadLetter(target.id, event, result.error);
            done.add(event.id);
            await save({
              ...state,
              done: [...done],
              attempts: 0,
              firstFailureAt: undefined,
              nextAttemptAt: undefined,
              lastError: result.error,
              deadLetters: state.deadLetters + 1,
            });
            continue;
          }
          const attempts = state.attempts + 1;
          await save({
            ...state,
            done: [...done],
            attempts,
            firstFailureAt: failedSince,
            nextAttemptAt: clock() + backoffMs(attempts),
            lastError: result.error,
          });
          return;
        }
        const caughtUp = page.changes.length < PAGE;
        await save({ ...state, cursor: page.cursor, done: [] });
        if (caughtUp) return;
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
