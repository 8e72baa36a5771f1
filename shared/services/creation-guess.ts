import { contactPointId, type ContactPoint } from '../domain/contact-point';
import { emptyState } from '../storage/consent-entities';
import type { ConsentStore, ContactPointState } from '../storage/consent-store';
import { mapLimit } from '../utils/map-limit';

const NEW_SHARE_FOR_BLIND_CREATES = 0.75;
/** A request with more unknown contact points than this reads this many first, and decides from them. */
const PROBE = 16;

/**
 * Whether a contact point is probably new, so its commit can be sent as a create without reading
 * first (a create fails if it exists; the write then reads and applies as usual, so a wrong guess
 * costs time, never correctness). It learns from every read and commit: while most contact points
 * written turn out new (a bulk load), writes skip the read; while most exist (a sync), they read.
 * Contact points seen to exist are remembered, since nothing is ever deleted.
 */
export class CreationGuess {
  private readonly known = new Map<string, true>();
  private newShare = 1;

  constructor(private readonly capacity = 50_000) {}

  isKnown(contactPoint: ContactPoint): boolean {
    return this.known.has(contactPointId(contactPoint));
  }

  /** Whether the contact points written lately were mostly new. */
  mostlyNew(): boolean {
    return this.newShare >= NEW_SHARE_FOR_BLIND_CREATES;
  }

  /** What a read or a create found: the contact point existed before this write, or not. */
  observe(contactPoint: ContactPoint, existed: boolean): void {
    this.newShare = 0.95 * this.newShare + (existed ? 0 : 0.05);
    if (existed) this.exists(contactPoint);
  }

  /** The contact point exists now (it was read, or a commit created it). */
  exists(contactPoint: ContactPoint): void {
    const key = contactPointId(contactPoint);
    this.known.delete(key);
    this.known.set(key, true);
    if (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
  }

  /**
   * The state of each contact point, read, or assumed empty where it is probably new (its commit is
   * then a create, which fails if it exists after all). A large request reads a sample of its
   * unknown contact points first and decides for the rest from what that sample found. Those that
   * `mustRead` (a write with a precondition is judged against what is stored) are always read.
   */
  async readOrGuess(
    store: Pick<ConsentStore, 'read'>,
    contactPoints: readonly ContactPoint[],
    mustRead: readonly boolean[],
    concurrency: number,
  ): Promise<ContactPointState[]> {
    const states = new Array<ContactPointState | undefined>(contactPoints.length);
    const known = contactPoints.map((cp, i) => mustRead[i] === true || this.isKnown(cp));
    const unknown = contactPoints.flatMap((_, i) => (known[i] ? [] : [i]));
    const probed = unknown.length > PROBE ? unknown.slice(0, PROBE) : [];
    const first = contactPoints.flatMap((_, i) => (known[i] || probed.includes(i) ? [i] : []));
    const read = (indexes: readonly number[]) =>
      mapLimit(indexes, concurrency, async (i) => {
        const state = await store.read(contactPoints[i]!);
        this.observe(contactPoints[i]!, state.etag !== null);
        states[i] = state;
      });
    await read(first);
    const rest = unknown.filter((i) => states[i] === undefined);
    const blind =
      probed.length > 0
        ? probed.filter((i) => states[i]!.etag === null).length >= NEW_SHARE_FOR_BLIND_CREATES * probed.length
        : this.mostlyNew();
    if (blind) for (const i of rest) states[i] = emptyState();
    else await read(rest);
    return states as ContactPointState[];
  }
}
