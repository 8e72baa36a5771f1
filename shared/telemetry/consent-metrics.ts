import { metrics, SpanStatusCode, trace, type Counter, type Histogram } from '@opentelemetry/api';

/*
 * The service's metrics and spans, through the OpenTelemetry API only (no-ops unless telemetry is
 * set up). Attributes are codes and ids of the catalog (profile, purpose type, channel, reason,
 * source): never an address, a token or a key.
 */

interface Instruments {
  decisions: Counter;
  changes: Counter;
  unavailable: Counter;
  storage: Histogram;
}

let instruments: Instruments | undefined;
/** Created on first use: after telemetry is set up (the metrics API has no proxy). */
function get(): Instruments {
  if (!instruments) {
    const meter = metrics.getMeter('consent-service', '1.0.0');
    instruments = {
      decisions: meter.createCounter('consent.decisions', { description: 'send decisions' }),
      changes: meter.createCounter('consent.changes', { description: 'committed consent changes' }),
      unavailable: meter.createCounter('consent.unavailable', { description: 'answers 503' }),
      storage: meter.createHistogram('consent.storage.duration', {
        unit: 'ms',
        description: 'storage calls',
      }),
    };
  }
  return instruments;
}

export const metricsOn = { enabled: false };

export function countDecision(attributes: {
  decision: string;
  reason: string;
  channel: string;
  purposeType: string;
  profile: string;
}): void {
  if (metricsOn.enabled) get().decisions.add(1, attributes);
}

export function countChange(attributes: { source: string; value: string; channel: string }): void {
  if (metricsOn.enabled) get().changes.add(1, attributes);
}

export function countUnavailable(operation: string): void {
  if (metricsOn.enabled) get().unavailable.add(1, { operation });
}

export function recordStorage(operation: string, ms: number): void {
  if (metricsOn.enabled) get().storage.record(ms, { operation });
}

/** Runs an operation in a span named after it (its route template, never its path). */
export async function inSpan<T extends { status?: number }>(
  name: string,
  attributes: Record<string, string>,
  run: () => Promise<T>,
): Promise<T> {
  if (!metricsOn.enabled) return run();
  return trace.getTracer('consent-service').startActiveSpan(name, { attributes }, async (span) => {
    try {
      const result = await run();
      span.setAttribute('http.response.status_code', result.status ?? 200);
      if ((result.status ?? 200) >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      return result;
    } catch (error) {
      // The status only: an exception's message or stack could hold what a request carried.
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}
