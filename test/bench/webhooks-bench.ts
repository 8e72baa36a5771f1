/*
 * Push (issue 27): webhook delivery latency from commit to receiver against the feed's settle
 * window; relay throughput against reading the same changes from the feed alone; the check with
 * telemetry exported against the check without, interleaved.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHost, type RunningHost } from '../support/processes';
import { median, percentile } from './measure';

const SETTLE_SECONDS = 2;
const CHANGES = 2000;

export async function benchWebhooks(ctx: {
  settings: Record<string, string>;
  hosts: RunningHost[];
  report: (name: string, value: number, unit: string, digits?: number) => void;
}): Promise<Record<string, string>> {
  const arrivals = new Map<string, number>();
  let waiting: Array<() => void> = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      arrivals.set(`${event.data.contactPoint}|${event.data.after?.value}`, performance.now());
      res.writeHead(204).end();
      for (const wake of waiting.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const until = async (predicate: () => boolean) => {
    const deadline = performance.now() + 120_000;
    while (!predicate()) {
      if (performance.now() > deadline) throw new Error('webhook bench: not delivered in time');
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  };
  const host = await startHost({
    ...ctx.settings,
    CONSENT_TABLE_PREFIX: 'benchhooks',
    CHANGE_FEED_SETTLE_SECONDS: String(SETTLE_SECONDS),
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RELAY_SCHEDULE: '*/1 * * * * *',
  });
  ctx.hosts.push(host);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${host.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : ((await res.json()) as any);
  };
  const write = (contactPoints: string[], value: string) =>
    call('POST', '/api/consents', {
      records: contactPoints.map((contactPoint) => ({
        channel: 'email',
        contactPoint,
        purposeId: 'commercial',
        value,
      })),
    });
  try {
    // Latency: one change at a time, from the write's answer to the receiver.
    await call('PUT', '/api/webhooks/latency', { url });
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const address = `latency.${i}@example.com`;
      const written = performance.now();
      await write([address], 'optedOut');
      await until(() => arrivals.has(`${address}|optedOut`));
      latencies.push(arrivals.get(`${address}|optedOut`)! - written);
    }
    await call('DELETE', '/api/webhooks/latency');
    const p50 = percentile(latencies, 50);
    ctx.report('webhook latency, commit to receiver, p50 (ms)', p50, 'ms');
    ctx.report('feed settle window + 2 s (ms)', SETTLE_SECONDS * 1000 + 2000, 'ms');

    // Throughput: CHANGES changes written while the subscription is off, then relayed.
    const { cursor } = await call('GET', '/api/consents/changes?cursor=now');
    await call('PUT', '/api/webhooks/throughput', { url, enabled: false });
    const addresses = Array.from({ length: CHANGES }, (_, i) => `relay.${i}@example.com`);
    for (let i = 0; i < addresses.length; i += 500) await write(addresses.slice(i, i + 500), 'optedIn');
    await new Promise((resolve) => setTimeout(resolve, (SETTLE_SECONDS + 1) * 1000)); // past the settle window
    const reads: number[] = [];
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      let next = cursor;
      let read = 0;
      for (;;) {
        const page = await call('GET', `/api/consents/changes?cursor=${encodeURIComponent(next)}&limit=500`);
        read += page.changes.length;
        next = page.cursor;
        if (page.changes.length < 500) break;
      }
      if (read < CHANGES) throw new Error(`feed read ${read} of ${CHANGES}`);
      reads.push(CHANGES / ((performance.now() - started) / 1000));
    }
    await call('PUT', '/api/webhooks/throughput', { url, enabled: true });
    await until(() => addresses.every((a) => arrivals.has(`${a}|optedIn`)));
    const times = addresses.map((a) => arrivals.get(`${a}|optedIn`)!);
    const relayRate = CHANGES / ((Math.max(...times) - Math.min(...times)) / 1000);
    ctx.report('feed read alone (changes/s)', median(reads), 'changes/s');
    ctx.report('relay to a receiver (changes/s)', relayRate, 'changes/s');
    return {
      'webhook-latency-p50-ms': p50.toFixed(0),
      'relay/feed-read': (relayRate / median(reads)).toFixed(2),
    };
  } finally {
    waiting = [];
    receiver.closeAllConnections();
    receiver.close();
  }
}
