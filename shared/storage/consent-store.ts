import type { ContactPoint } from '../domain/contact-point';
import type { Channel, PendingConfirmation, Source, StoredConsent } from '../domain/model';
import type { Entity } from './consent-entities';

/*
 * The port the services write and read consent through; `TableConsentStore` is its Table Storage
 * adapter (and tests have an in-memory one).
 */

/** Everything stored for one contact point: one entity, so a check needs one point read. */
export interface ContactPointState {
  records: Map<string, StoredConsent>;
  /** Per record, the newest capture time seen when it is later than the record's own. */
  seen: Map<string, string>;
  /** Double opt-ins requested for this contact point, by request id. */
  pending: Map<string, PendingConfirmation>;
  /**
   * Provider events already applied to this contact point (`twilio:<MessageSid>`, `acs:<event id>`),
   * with when: a second delivery of one of them changes nothing. The newest ones are kept.
   */
  events: Map<string, string>;
  sequence: number;
  /**
   * The first sequence of the newest commit that wrote history: its row key. Each history entity
   * names the one before it (`prev`), so history can be walked back with point reads.
   */
  head?: number;
  /** Feed position time of the last commit: the next one's announcement must come after it. */
  feedAt: number;
  /** `null` when nothing is stored yet. */
  etag: string | null;
}

/** What a commit leaves stored for a contact point. */
export interface NextState {
  records: ReadonlyMap<string, StoredConsent>;
  seen: ReadonlyMap<string, string>;
  pending: ReadonlyMap<string, PendingConfirmation>;
  events: ReadonlyMap<string, string>;
}

export interface HistoryEntry {
  sequence: number;
  at: string;
  actor: string;
  /** The authenticated identity's id, when an identity provider vouched for the actor. */
  actorId?: string;
  /** Whom the actor said it acted for. */
  onBehalfOf?: string;
  purposeId: string;
  topicId?: string;
  source: Source;
  before: StoredConsent | null;
  after: StoredConsent;
}

export interface HistoryQuery {
  purposeId?: string;
  topicId?: string;
  limit: number;
  continuationToken?: string;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  continuationToken?: string;
}

/** A commit serialized and checked against what the store holds, ready to be submitted. */
export interface PreparedCommit {
  readonly contactPoint: ContactPoint;
  readonly id: string;
  readonly entries: readonly HistoryEntry[];
  readonly state: Entity;
  readonly history: Entity | undefined;
}

/** What a history row holds for a commit an announcement names. */
export type CommitLookup = HistoryEntry[] | 'pending' | 'failed';

export interface ScannedContactPoint {
  key: string;
  contactPoint: ContactPoint;
  records: Map<string, StoredConsent>;
}

/** Where a commit was announced (in the change feed): its time orders the contact point's commits. */
export interface Announcement {
  readonly time: number;
}

/** Where each commit of a request was announced. */
export interface Publication {
  announcementOf(commit: string): Announcement | undefined;
}

export const NOT_PUBLISHED: Publication = { announcementOf: () => undefined };

/**
 * Announces commits before they are sent, so that a reader following every change misses none: the
 * change feed implements it. A store without one announces nothing.
 */
export interface CommitAnnouncer {
  /** A request's commits, announced together before any is sent (those it cannot cover announce themselves). */
  publish(
    commits: ReadonlyArray<{ prepared: PreparedCommit; previous: ContactPointState }>,
  ): Promise<Publication>;
  /** One commit sent on its own (a retry); a WriteConflict when it could not be announced in time. */
  announce(prepared: PreparedCommit, previous: ContactPointState): Promise<Announcement>;
  /** The announced commit will never land: readers need not wait for it. */
  failed(announcement: Announcement): Promise<void>;
}

export interface ConsentStore {
  ready(): Promise<void>;
  read(contactPoint: ContactPoint): Promise<ContactPointState>;
  /** The contact point stored under a PartitionKey and its state, or undefined when nothing is. */
  readByKey(
    contactKey: string,
  ): Promise<{ contactPoint: ContactPoint; state: ContactPointState } | undefined>;
  /**
   * Serializes what a commit would store, or throws a CapacityError if it would not fit: every
   * commit of a request is prepared before the first is submitted.
   */
  prepare(contactPoint: ContactPoint, next: NextState, entries: readonly HistoryEntry[]): PreparedCommit;
  /** Announces a request's commits before any is sent (see CommitAnnouncer). */
  publish(
    commits: ReadonlyArray<{ prepared: PreparedCommit; previous: ContactPointState }>,
  ): Promise<Publication>;
  /**
   * Writes the new state and all its history entries in one transaction, if nobody wrote since
   * `previous` was read (else a WriteConflict). Without entries only the state changes.
   */
  commit(prepared: PreparedCommit, previous: ContactPointState, publication?: Publication): Promise<void>;
  history(contactPoint: ContactPoint, query: HistoryQuery): Promise<HistoryPage>;
  /**
   * The records as they stood at `at` (epoch ms): the current ones with every later commit undone,
   * newest first, down to the last commit made by then.
   */
  recordsAsOf(contactPoint: ContactPoint, at: number): Promise<Map<string, StoredConsent>>;
  /**
   * The entries of commit `commit` at a history row: `pending` if the row is not there (yet),
   * `failed` if another commit holds it (so this one never landed).
   */
  readCommit(contactKey: string, historyRowKey: string, commit: string): Promise<CommitLookup>;
  /**
   * Contact points in key order, with their records: from `from` on (the contact point at `from`
   * itself too when `inclusive`), only `channel`'s when given, at most `max` of them.
   */
  scan(options: {
    from?: string;
    inclusive?: boolean;
    channel?: Channel;
    max: number;
  }): Promise<ScannedContactPoint[]>;
}
