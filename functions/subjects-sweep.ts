import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getConfig } from '../shared/config';
import { getServices } from '../shared/runtime';

/** Finishes erasures a failure left half-done (their history not all deleted yet). */
export async function sweepErasures(_timer: Timer, context: InvocationContext): Promise<void> {
  const settled = await getServices().subjects.sweep();
  if (settled > 0) context.log(`erasure sweep: ${settled} pending erasures settled`);
}

app.timer('sweepErasures', { schedule: getConfig().SUBJECTS_SWEEP_SCHEDULE, handler: sweepErasures });
