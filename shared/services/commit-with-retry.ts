import { randomInt } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { ContactPoint } from '../domain/contact-point';
import { StorageContentionError } from '../errors';
import type { ConsentStore, ContactPointState, PreparedCommit, Publication } from '../storage/consent-store';
import { WriteConflict } from '../storage/write-conflict';

const MAX_COMMIT_ATTEMPTS = 64;

/** One try at a contact point: the commit to send (none: nothing to write) and what it answers. */
export interface Attempt<T> {
  commit: PreparedCommit | undefined;
  result: T;
}

export interface RetryHooks {
  /** The commit landed on `previous` (an empty state: it created the contact point). */
  landed?(previous: ContactPointState): void;
  /** Another writer got there first; `previous` was what this try was based on. */
  conflicted?(previous: ContactPointState): void;
}

/**
 * The one optimistic-concurrency loop of every consent write: send the commit planned from a state;
 * if another writer changed the contact point since (a WriteConflict), wait a little, read it again
 * and plan again from what that writer left, so a write based on the record as it stands is never
 * applied onto a state it did not see. The first try may use a publication made for the request.
 */
export async function commitWithRetry<T>(
  store: Pick<ConsentStore, 'read' | 'commit'>,
  contactPoint: ContactPoint,
  first: { state: ContactPointState; attempt: Attempt<T>; publication?: Publication },
  plan: (state: ContactPointState) => Attempt<T>,
  hooks: RetryHooks = {},
): Promise<T> {
  let { state, attempt } = first;
  for (let tries = 1; ; tries++) {
    if (!attempt.commit) return attempt.result;
    try {
      await store.commit(attempt.commit, state, tries === 1 ? first.publication : undefined);
      hooks.landed?.(state);
      return attempt.result;
    } catch (error) {
      if (!(error instanceof WriteConflict)) throw error;
      hooks.conflicted?.(state);
    }
    if (tries >= MAX_COMMIT_ATTEMPTS) throw new StorageContentionError();
    await delay(randomInt(1, 5 + Math.min(tries, 20) * 5));
    state = await store.read(contactPoint);
    attempt = plan(state);
  }
}
