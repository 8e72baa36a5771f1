import { capCheck, type SendLog } from './frequency-caps';
import type { Channel, Profile, PurposeType } from './model';
import { quietUntil } from './quiet-times';

/*
 * Holds (DOMAIN.md, "Quiet times and frequency caps"): a message that consent allows may still have
 * to wait, for a quiet time to end or a frequency cap to free a slot. Pure: the profile's rules,
 * the contact point's counted sends and the time.
 */

export type HoldReason = 'quiet-time' | 'frequency-capped';

const DAY_MS = 86_400_000;
/** A month cap frees within 30 days; a quiet time is only waited out 21 days ahead. */
const HORIZON_MS = 31 * DAY_MS;

export interface HeldMessage {
  channel: Channel;
  purposeType: PurposeType;
  /** The recipient's IANA time zone; else the profile's. */
  timeZone?: string | undefined;
}

/**
 * Why the message waits at `at` (epoch ms), and the first moment neither rule holds it (quiet
 * times and caps waited out together: a slot may free inside a quiet time), when within reach.
 */
export function holdOf(
  profile: Profile,
  message: HeldMessage,
  sends: SendLog,
  at: number,
): { reasons: HoldReason[]; retryAt?: string } {
  const { purposeType } = message;
  if (purposeType === 'tracking') return { reasons: [] };
  const quiet = profile.quietTimes;
  const cap = purposeType === 'commercial' ? profile.frequencyCaps?.[message.channel] : undefined;
  if (!quiet && !cap) return { reasons: [] };
  const counted = sends[profile.id] ?? [];
  const quietAt = (t: number) => (quiet ? quietUntil(quiet, { ...message, purposeType }, new Date(t)) : null);
  const capAt = (t: number) => capCheck(cap, counted, t);

  const firstQuiet = quietAt(at);
  const firstCap = capAt(at);
  const reasons: HoldReason[] = [];
  if (firstQuiet) reasons.push('quiet-time');
  if (firstCap.capped) reasons.push('frequency-capped');
  if (reasons.length === 0) return { reasons };

  let t = at;
  let q = firstQuiet;
  let c = firstCap;
  for (let step = 0; step < 32; step++) {
    if (q && q.retryAt === undefined) return { reasons };
    const next = Math.max(q ? Date.parse(q.retryAt!) : t, c.capped ? c.retryAt : t);
    if (next === t) return { reasons, retryAt: new Date(t).toISOString() };
    if (next - at > HORIZON_MS) return { reasons };
    t = next;
    q = quietAt(t);
    c = capAt(t);
  }
  return { reasons };
}
