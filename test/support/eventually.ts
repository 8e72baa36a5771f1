/**
 * Asks again until a condition holds, for what the service does on its own clock (a feed's settle
 * window, a timer's store, an expiry, a key refetch limited to once a second). The pause between
 * asks only paces the polling: the outcome is decided by `done`, and a deadline ends the wait with
 * the last answer so that the test's own assertion reports what was seen.
 */
export interface EventuallyOptions {
  /** How long to keep asking, in milliseconds (default 20 s). */
  timeoutMs?: number;
  /** The pause between two asks, in milliseconds (default 100). */
  everyMs?: number;
}

export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 20_000, everyMs = 100 }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
