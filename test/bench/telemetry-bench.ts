/* Telemetry (issue 27): the check on a host exporting traces and metrics, against one that does not. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHost, type RunningHost } from '../support/processes';
import { median } from './measure';

export async function benchTelemetry(ctx: {
  settings: Record<string, string>;
  checks: (on: RunningHost) => Promise<number>;
  plain: RunningHost;
  rounds: (named: Array<[string, () => Promise<number>, string]>) => Promise<unknown>;
  hosts: RunningHost[];
  stops: Array<() => Promise<void>>;
}): Promise<number> {
  // An OTLP collector that accepts everything: the export's cost, not a collector's.
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  ctx.stops.push(() => new Promise((resolve) => sink.close(() => resolve())));
  const telemetry = await startHost({
    ...ctx.settings,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
    OTEL_METRIC_EXPORT_INTERVAL: '5000',
  });
  ctx.hosts.push(telemetry);
  const [off, on] = (await ctx.rounds([
    ['check, telemetry off (decisions/s)', () => ctx.checks(ctx.plain), 'decisions/s'],
    ['check, telemetry on (decisions/s)', () => ctx.checks(telemetry), 'decisions/s'],
  ])) as number[][];
  return median(on!.map((t, i) => t / off![i]!));
}
