import {
  capCounts,
  CAP_WINDOWS,
  sendsKept,
  withSend,
  type CapWindow,
  type SendLog,
} from '../domain/frequency-caps';
import type { Catalog } from '../domain/catalog';
import {
  evaluateMessage,
  type ContactFacts,
  type Evaluation,
  type MessageToEvaluate,
} from '../domain/evaluate';
import type { Erasure } from '../domain/erasure';
import type { Channel, Profile, StoredConsent } from '../domain/model';
import { activeSuppression, type SuppressionState } from '../domain/suppression';

/** What consent says of a contact point beside its records (what the pages show). */
export function factsOf(state: { erased?: Erasure | undefined }): ContactFacts {
  return state.erased ? { erased: true } : {};
}

/**
 * What deciding a send now knows beside the records: also the address's suppression at `at` (epoch
 * ms), and its counted sends, so quiet times and caps apply.
 */
export function sendFactsOf(
  state: DecidedState,
  at: number,
  sends: SendLog = state.sends ?? {},
): ContactFacts {
  const suppressed = activeSuppression(state.suppression, at)?.reason;
  return { ...factsOf(state), ...(suppressed ? { suppressed } : {}), schedule: { sends } };
}

/** What one contact point's decisions read: its records, erasure, suppression and counted sends. */
export interface DecidedState {
  records: ReadonlyMap<string, StoredConsent>;
  erased?: Erasure | undefined;
  suppression?: SuppressionState | undefined;
  sends?: SendLog | undefined;
}

/**
 * Decides the messages to one contact point in order, each seeing the sends counted before it in
 * the same batch: the third of three messages under a cap of two is held. Every commercial message
 * `sent` under a cap is added to the send log it returns; with `count` it is to be written (`changed`).
 */
export function decideForContactPoint(
  messages: readonly MessageToEvaluate[],
  catalog: Catalog,
  state: DecidedState,
  at: number,
  count: boolean,
): { evaluations: Evaluation[]; sends: SendLog; changed: boolean } {
  const sends: Record<string, readonly number[]> = { ...(state.sends ?? {}) };
  const facts = sendFactsOf(state, at, sends);
  let changed = false;
  const evaluations = messages.map((message) => {
    const evaluation = evaluateMessage(message, catalog, state.records, at, facts);
    // Later messages of the batch see this one's send, counted or not (a dry run decides alike).
    const cap = evaluation.decision === 'sent' ? capOf(catalog, message) : undefined;
    if (cap) {
      sends[message.profileId] = withSend(sends[message.profileId] ?? [], at, sendsKept(cap));
      changed = count;
    }
    return evaluation;
  });
  return { evaluations, sends, changed };
}

/** The cap a message counts against: commercial purposes of a profile capping the channel. */
function capOf(catalog: Catalog, message: MessageToEvaluate) {
  const profile = catalog.profiles.get(message.profileId);
  const purpose = catalog.purposes.get(message.purposeId);
  if (!profile || purpose?.profile.id !== profile.id || purpose.purpose.type !== 'commercial')
    return undefined;
  return profile.frequencyCaps?.[message.channel];
}

/** The caps of a profile on a channel with the sends counted against them (what the consent center shows). */
export function capUsage(
  profile: Profile,
  channel: Channel,
  sends: SendLog | undefined,
  at: number,
): Array<{ window: CapWindow; limit: number; sent: number }> {
  const cap = profile.frequencyCaps?.[channel];
  if (!cap) return [];
  const counts = capCounts(sends?.[profile.id] ?? [], at);
  return (Object.keys(CAP_WINDOWS) as CapWindow[])
    .filter((window) => cap[window] !== undefined)
    .map((window) => ({ window, limit: cap[window]!, sent: counts[window] }));
}
