/*
 * A bounded load test on one dedicated host and Azurite (127.0.0.1 only): parallel writers and
 * checkers on the same few contact points. It stops by itself: a fixed number of requests, each
 * with a deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedClient, type BoundedClient } from '../support/bounded-client';
import { qs } from '../support/client';
import { startAzurite, startHost, type RunningAzurite, type RunningHost } from '../support/processes';

const KEY = 'load-key';
const WRITERS = 8;
const WRITES_PER_WRITER = 25;
const CHECKERS = 4;
const CHECKS_PER_CHECKER = 50;

let azurite: RunningAzurite;
let host: RunningHost;
let api: BoundedClient;

beforeAll(async () => {
  azurite = await startAzurite({ port: 0 });
  host = await startHost({
    AzureWebJobsStorage: azurite.connectionString,
    LOCAL_FUNCTION_KEY: KEY,
    CONSENT_TABLE_PREFIX: 'load',
  });
  api = boundedClient(host.url, KEY, 30_000);
});

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

const PURPOSES = ['commercial', 'transactional', 'tracking'] as const;
const OPT_OUT_REASONS = ['optOutTooFrequent', 'optOutPrivacyConcerns', 'optOutContentIrrelevant'] as const;
const SOURCES = ['internal', 'form', 'preferencePage', 'loaded'] as const;

/** A small deterministic generator, so a failing run can be replayed. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}

const keyOf = (r: { purposeId: string; topicId?: string }) => `${r.purposeId}/${r.topicId ?? ''}`;

describe('parallel writers and checkers on the same contact points', () => {
  it('loses no update, leaves no history gap, and never sends after an acknowledged opt-out', async () => {
    const tag = `${process.pid}.${Date.now().toString(36)}`;
    // Unsubscribe points: opted in long ago; writers opt them out (captured now) and, concurrently,
    // keep writing opt-ins captured before the run, which must never undo an acknowledged opt-out.
    const unsubscribe = [0, 1, 2].map((i) => `unsub${i}.${tag}@load.example.com`);
    // Churn points: any value, any purpose, captured at receipt.
    const churn = [0, 1].map((i) => `churn${i}.${tag}@load.example.com`);
    const points = [...unsubscribe, ...churn];
    const longAgo = Date.now() - 2 * 3600_000;
    const capturedBeforeRun = (r: ReturnType<typeof random>) =>
      new Date(longAgo + 1000 + Math.floor(r.next() * 3000_000)).toISOString();

    /** Outcomes that must each have exactly one history entry, per contact point and record key. */
    const changes = new Map<string, number>();
    const countOutcomes = (records: any[], results: any[]) =>
      results.forEach((result, i) => {
        if (result.outcome === 'created' || result.outcome === 'updated') {
          const key = `${records[i].contactPoint}|${keyOf(records[i])}`;
          changes.set(key, (changes.get(key) ?? 0) + 1);
        }
      });

    const seed = await api.post('/api/consents', {
      records: unsubscribe.map((cp) => ({
        channel: 'email',
        contactPoint: cp,
        purposeId: 'commercial',
        value: 'optedIn',
        capturedAt: new Date(longAgo).toISOString(),
      })),
    });
    expect(seed.status).toBe(200);
    countOutcomes(
      unsubscribe.map((cp) => ({ contactPoint: cp, purposeId: 'commercial' })),
      seed.body.results,
    );

    /** Contact points whose opt-out was acknowledged (its HTTP response received). */
    const optedOut = new Set<string>();
    const outcomes: Record<string, number> = {};
    let writeRequests = 0;

    const writer = async (w: number) => {
      const r = random(1000 + w);
      for (let n = 0; n < WRITES_PER_WRITER; n++) {
        const records: any[] = [];
        let optOutOf: string | undefined;
        if (n % 4 === w % 4 && n >= 2) {
          optOutOf = unsubscribe[(n + w) % unsubscribe.length]!;
          records.push({
            channel: 'email',
            contactPoint: optOutOf,
            purposeId: 'commercial',
            value: 'optedOut',
            reason: r.pick(OPT_OUT_REASONS),
          });
        }
        const extra = 2 + Math.floor(r.next() * 2);
        for (let i = 0; i < extra; i++) {
          const cp = r.pick(points);
          if (records.some((x) => x.contactPoint === cp)) continue;
          const oldOptIn = unsubscribe.includes(cp) && r.next() < 0.5;
          records.push(
            oldOptIn
              ? {
                  channel: 'email',
                  contactPoint: cp,
                  purposeId: 'commercial',
                  value: 'optedIn',
                  source: r.pick(SOURCES),
                  reasonDescription: `w${w}-n${n}`,
                  capturedAt: capturedBeforeRun(r),
                }
              : {
                  channel: 'email',
                  contactPoint: cp,
                  // Commercial consent of an unsubscribe point is only ever opted out during the run.
                  purposeId: r.pick(unsubscribe.includes(cp) ? PURPOSES.slice(1) : PURPOSES),
                  value: r.pick(['optedIn', 'optedOut', 'notSet'] as const),
                  source: r.pick(SOURCES),
                  reasonDescription: `w${w}-n${n}`,
                },
          );
        }
        const res = await api.post('/api/consents', { records }, { 'x-consent-actor': `writer-${w}` });
        writeRequests++;
        expect(res.status, res.text).toBe(200);
        if (optOutOf !== undefined) optedOut.add(optOutOf);
        countOutcomes(records, res.body.results);
        for (const result of res.body.results) outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
      }
    };

    let checks = 0;
    let decisions = 0;
    let blockedAfterOptOut = 0;
    let sentBeforeOptOut = 0;
    const violations: string[] = [];
    const checker = async (c: number) => {
      for (let n = 0; n < CHECKS_PER_CHECKER; n++) {
        // What was acknowledged before this check began; JS runs one callback at a time, so this is exact.
        const acknowledged = new Set(optedOut);
        const res = await api.post('/api/check', {
          messages: points.map((cp, i) => ({
            messageId: `c${c}-n${n}-${i}`,
            channel: 'email',
            contactPoint: cp,
            profileId: 'default',
            purposeId: 'commercial',
          })),
        });
        checks++;
        expect(res.status, res.text).toBe(200);
        res.body.decisions.forEach((d: any, i: number) => {
          decisions++;
          const cp = points[i]!;
          if (!unsubscribe.includes(cp)) return;
          if (acknowledged.has(cp)) {
            if (d.decision === 'sent') violations.push(`${d.messageId} sent after ${cp} opted out`);
            else blockedAfterOptOut++;
          } else if (d.decision === 'sent') sentBeforeOptOut++;
        });
      }
    };

    await Promise.all([
      ...Array.from({ length: WRITERS }, (_, w) => writer(w)),
      ...Array.from({ length: CHECKERS }, (_, c) => checker(c)),
    ]);

    console.info(
      `[load] ${WRITERS} writers x ${WRITES_PER_WRITER} = ${writeRequests} write requests ` +
        `(${JSON.stringify(outcomes)}), ${CHECKERS} checkers x ${CHECKS_PER_CHECKER} = ${checks} checks ` +
        `(${decisions} decisions; ${blockedAfterOptOut} after an acknowledged opt-out, all blocked; ` +
        `${sentBeforeOptOut} sent before one)`,
    );
    expect(violations).toEqual([]);
    expect(writeRequests).toBe(WRITERS * WRITES_PER_WRITER);
    expect(checks).toBe(CHECKERS * CHECKS_PER_CHECKER);
    expect(blockedAfterOptOut).toBeGreaterThan(0);
    expect((outcomes.updated ?? 0) + (outcomes.created ?? 0)).toBeGreaterThan(WRITERS * WRITES_PER_WRITER);
    expect(outcomes.stale ?? 0).toBeGreaterThan(0);

    for (const cp of points) {
      const stored = await api.get(`/api/consents${qs({ channel: 'email', contactPoint: cp })}`);
      const history = await api.get(
        `/api/consents/history${qs({ channel: 'email', contactPoint: cp, limit: 1000 })}`,
      );
      expect(stored.status).toBe(200);
      expect(history.status).toBe(200);
      expect(history.body.continuationToken).toBeUndefined();
      const entries = history.body.entries as any[];
      // Every change has its own entry: no two entries share a version.
      expect(new Set(entries.map((e) => e.after.version)).size).toBe(entries.length);
      for (const record of stored.body.records) {
        const mine = entries.filter((e) => keyOf(e.after) === keyOf(record));
        // No lost update: the record is the newest entry's `after`.
        expect(mine[0]?.after, `${cp} ${keyOf(record)}`).toEqual(record);
        // No gap: each entry's `before` is the previous entry's `after`.
        for (let i = 0; i + 1 < mine.length; i++) expect(mine[i].before).toEqual(mine[i + 1].after);
        expect(mine[mine.length - 1].before).toBeNull();
        // Exactly one entry per created/updated outcome reported to a writer.
        expect(mine.length, `${cp} ${keyOf(record)}`).toBe(changes.get(`${cp}|${keyOf(record)}`));
      }
      const storedKeys = new Set(stored.body.records.map(keyOf));
      for (const e of entries) expect(storedKeys.has(keyOf(e.after))).toBe(true);
      if (unsubscribe.includes(cp)) {
        expect(stored.body.records.find((r: any) => r.purposeId === 'commercial').value).toBe('optedOut');
      }
    }
    const totalEntries = [...changes.values()].reduce((a, b) => a + b, 0);
    expect(totalEntries).toBeGreaterThan(0);
  });
});
