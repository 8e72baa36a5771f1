import { randomUUID } from 'node:crypto';
import type {
  Announcement,
  CommitAnnouncer,
  ContactPointState,
  PreparedCommit,
  Publication,
} from '../storage/consent-store';
import { NOT_PUBLISHED } from '../storage/consent-store';
import { WriteConflict } from '../storage/write-conflict';
import { allSettled } from '../utils/all-settled';
import { MAX_COMMITS_PER_MARKER, positionOf, type FeedMarker, type FeedMarkerStore } from './feed-markers';

/** The time rules that make the feed complete (see the README: settle window, budget, deadline). */
export interface AnnouncerOptions {
  /** A marker must be stored within this long of its time, or its commit is not sent. */
  markerBudgetMs: number;
  /** A commit not landed this long after its marker's time never will (readers pass it over). */
  commitDeadlineMs: number;
  clock?: () => number;
}

/** An announcement in the feed: the marker listing the commit, and where in it. */
interface MarkerAnnouncement extends Announcement {
  marker: FeedMarker;
  index: number;
}

/**
 * The change feed's side of every commit: before a request's commits are sent, one marker (for up
 * to 200 of them) says where each will land, so a reader that follows the markers misses none.
 */
export class FeedAnnouncer implements CommitAnnouncer {
  private readonly clock: () => number;

  constructor(
    private readonly markers: FeedMarkerStore,
    private readonly options: AnnouncerOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  async publish(
    commits: ReadonlyArray<{ prepared: PreparedCommit; previous: ContactPointState }>,
  ): Promise<Publication> {
    const markers: FeedMarker[] = [];
    for (let i = 0; i < commits.length; i += MAX_COMMITS_PER_MARKER) {
      const group = commits.slice(i, i + MAX_COMMITS_PER_MARKER);
      markers.push(
        this.marker(
          group.map((c) => c.prepared),
          Math.max(...group.map((c) => c.previous.feedAt)),
        ),
      );
    }
    await this.markers.ready();
    await allSettled(markers.map((m) => this.markers.write(m)));
    // Stored too late, a marker could fall behind a reader's cursor: none of these is used, and
    // each commit announces itself when it is sent.
    if (this.clock() > Math.min(...markers.map((m) => m.time)) + this.options.markerBudgetMs) {
      await Promise.all(markers.map((m) => this.markers.remove(m))).catch(() => undefined);
      return NOT_PUBLISHED;
    }
    const byCommit = new Map<string, MarkerAnnouncement>();
    for (const marker of markers)
      marker.commits.forEach((c, index) => byCommit.set(c.commit, { time: marker.time, marker, index }));
    return { announcementOf: (commit) => byCommit.get(commit) };
  }

  /** The marker of one commit sent on its own (a retry after a conflict). */
  async announce(prepared: PreparedCommit, previous: ContactPointState): Promise<Announcement> {
    const marker = this.marker([prepared], previous.feedAt);
    await this.markers.ready();
    await this.markers.write(marker);
    if (this.clock() > marker.time + this.options.markerBudgetMs) {
      await this.markers.remove(marker).catch(() => undefined);
      throw new WriteConflict();
    }
    const announcement: MarkerAnnouncement = { time: marker.time, marker, index: 0 };
    return announcement;
  }

  async failed(announcement: Announcement): Promise<void> {
    const { marker, index } = announcement as MarkerAnnouncement;
    await this.markers.fail(marker, index);
  }

  private marker(commits: readonly PreparedCommit[], previousFeedAt: number): FeedMarker {
    // After every listed contact point's previous commit: one contact point's changes keep their
    // order in the feed even when instances' clocks disagree.
    const time = Math.max(this.clock(), previousFeedAt + 1);
    return {
      position: positionOf(time, randomUUID()),
      time,
      deadline: time + this.options.commitDeadlineMs,
      commits: commits.map((c) => ({
        commit: c.id,
        channel: c.contactPoint.channel,
        contactKey: c.history!.partitionKey,
        historyRowKey: c.history!.rowKey,
      })),
      failed: new Set(),
    };
  }
}
