import { randomUUID } from 'node:crypto';
import { InvocationContext, type Timer } from '@azure/functions';
import type { FunctionRegistration } from './functions-core';
import { parseSchedule } from './ncrontab';

/** The longest delay `setTimeout` takes; longer waits are chained. */
const MAX_DELAY_MS = 2 ** 31 - 1;
/** The host calls an invocation past due when it starts this late. */
const PAST_DUE_MS = 1000;

export interface RunningTimers {
  stop(): void;
}

/**
 * Runs the timer-triggered functions on their NCRONTAB schedules (UTC), one invocation of a
 * function at a time as the Functions host does, handing them the same `Timer` object. Schedule
 * status is kept in memory only (the host keeps it in storage with `useMonitor`).
 */
export function startTimers(
  registrations: readonly FunctionRegistration[],
  log: (line: string) => void,
): RunningTimers {
  const handles = new Set<NodeJS.Timeout>();
  let stopped = false;
  for (const registration of registrations) {
    const trigger = Object.values(registration.bindings).find((b) => b.type === 'timerTrigger') as
      { schedule?: string; runOnStartup?: boolean } | undefined;
    if (!trigger?.schedule) continue;
    const schedule = parseSchedule(trigger.schedule);
    let last: Date | undefined;

    const invoke = async (due: Date) => {
      const next = schedule.next(new Date());
      const timer: Timer = {
        isPastDue: Date.now() - due.getTime() > PAST_DUE_MS,
        schedule: { adjustForDST: false },
        scheduleStatus: {
          last: (last ?? new Date(0)).toISOString(),
          next: next.toISOString(),
          lastUpdated: new Date().toISOString(),
        },
      };
      last = due;
      const context = new InvocationContext({
        invocationId: randomUUID(),
        functionName: registration.name,
        logHandler: (level, ...args) => log(`[${registration.name}] ${level}: ${args.map(String).join(' ')}`),
      });
      try {
        await registration.handler(timer, context);
      } catch (error) {
        log(`[${registration.name}] failed: ${error instanceof Error ? error.name : 'error'}`);
      }
    };

    const arm = (due: Date) => {
      if (stopped) return;
      const wait = due.getTime() - Date.now();
      const handle = setTimeout(
        () => {
          handles.delete(handle);
          if (due.getTime() > Date.now()) return arm(due);
          void invoke(due).then(() => arm(schedule.next(new Date())));
        },
        Math.max(0, Math.min(wait, MAX_DELAY_MS)),
      );
      handles.add(handle);
    };

    if (trigger.runOnStartup) void invoke(new Date()).then(() => arm(schedule.next(new Date())));
    else arm(schedule.next(new Date()));
  }
  return {
    stop() {
      stopped = true;
      for (const handle of handles) clearTimeout(handle);
      handles.clear();
    },
  };
}
