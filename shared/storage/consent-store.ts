import type { ContactPoint } from '../domain/contact-point';
import type { Erasure } from '../domain/erasure';
import type { SuppressionState } from '../domain/suppression';
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
  /** Bounces, complaints and manual suppressions: deliverability, kept apart from consent. */
  suppression?: SuppressionState;
  /** Commercial messages sent, per profile (epoch ms, the last 30 days): what frequency caps count. */
  sends?: SendLog;
  /** The person's last erasure of this contact point: its tombstone keeps blocking. */
  erased?: Erasure;
  /** History from before the erasure is still being deleted (a retried erase or the sweep finishes it). */
  purging?: boolean;
  /** `null` when nothing is stored yet. */
  etag: string | null;
}

export type { SendLog } from '../domain/frequency-caps';
import type { SendLog } from '../domain/frequency-caps';

/**
 * What a commit leaves stored for a contact point. (Its erasure and send log are carried by the
 * store from the state the commit is based on: only an erasure and a counted send change them.)
 */
export interface NextState {
  records: ReadonlyMap<string, StoredConsent>;
  seen: ReadonlyMap<string, string>;
  pending: ReadonlyMap<string, PendingConfirmation>;
  events: ReadonlyMap<string, string>;
  suppression: SuppressionState | undefined;
}

/** A contact point as of a past time: its records undone to then; its erasure, suppression and sends as now. */
export type RecordsAsOf = { records: Map<string, StoredConsent> } & Pick<
  ContactPointState,
  'erased' | 'suppression' | 'sends'
>;

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
  /** An erasure's commit: the tombstone it leaves, and the history rows it deletes in its transaction. */
  readonly erasure?: Erasure;
  readonly deletes?: readonly string[];
}

/** An erasure's commit, and the rows of history left to delete once its tombstone has landed. */
export interface PreparedErasure extends PreparedCommit {
  readonly erasure: Erasure;
  readonly remaining: readonly string[];
}

/** An erasure as the change feed serves it: the keyed digest of the address, never the address. */
export interface ErasureLookup {
  erasure: Erasure;
  channel: Channel;
  subject: string;
}

/**
 * What a history row holds for a commit an announcement names: its entries (and the contact point
 * they are of), an erasure, `pending` if the row is not there (yet), `failed` if another commit holds
 * it or an erasure of the contact point deleted it (either way, that commit is not to be served).
 */
export type CommitLookup =
  | { entries: HistoryEntry[]; contactPoint: ContactPoint | undefined }
  | { erased: ErasureLookup }
  | 'pending'
  | 'failed';

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
  /**
   * The commit that erases a contact point (see DOMAIN.md, Erasure): a tombstone replacing its state,
   * the erasure's own history row, and as many of the history rows before it as fit in one
   * transaction; `remaining` are deleted by `purge` once it has landed.
   */
  prepareErasure(
    contactPoint: ContactPoint,
    erasure: Omit<Erasure, 'sequence'>,
    previous: ContactPointState,
  ): Promise<PreparedErasure>;
  /**
   * Deletes whatever history from before the contact point's erasure is left (after a failure
   * half-way too) and records that none is; `known` are the rows the erasing request left (else
   * they are listed). Idempotent. False when the contact point's tombstone is
   * not this erasure's (it never landed, or a later erasure took over): nothing is done.
   */
  purge(contactKey: string, erasure: Erasure, known?: readonly string[]): Promise<boolean>;
  /**
   * Records sends counted against frequency caps: the send log written onto the state `previous`
   * was read as (a conditional merge; a WriteConflict if anyone wrote since).
   */
  recordSends(contactPoint: ContactPoint, previous: ContactPointState, sends: SendLog): Promise<void>;
  history(contactPoint: ContactPoint, query: HistoryQuery): Promise<HistoryPage>;
  /**
   * The records as they stood at `at` (epoch ms): the current ones with every later commit undone,
   * newest first, down to the last commit made by then (never past an erasure: what came before it
   * is gone), and the contact point's erasure if it has one.
   */
  recordsAsOf(contactPoint: ContactPoint, at: number): Promise<RecordsAsOf>;
  /** What the history row `historyRowKey` holds for commit `commit` (see CommitLookup). */
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
