import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * - `forward`: pipe every connection to the target.
 * - `reset`: accept, then reset the connection at once (RST).
 * - `refuse`: stop listening, so connecting fails with ECONNREFUSED.
 * - `hang`: accept and read, never forward nor answer.
 * Switching away from `forward` cuts every open connection (pooled keep-alive ones included).
 */
export type ProxyMode = 'forward' | 'reset' | 'refuse' | 'hang';

export interface FaultTrigger {
  /** Watch what the client sends (`request`) or what the target answers (`response`). */
  direction: 'request' | 'response';
  /** Matched (no `g` flag) against the text of each chunk, e.g. an HTTP request or status line. */
  pattern: RegExp;
  /** The n-th matching chunk is not forwarded: the proxy switches to `mode` instead. */
  nth: number;
  mode: Exclude<ProxyMode, 'forward'>;
}

export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  readonly mode: ProxyMode;
  /** Faults injected so far: connections cut, reset or held, and switches into `refuse`. */
  readonly faults: number;
  /** From now on counts the chunks matching `pattern` (no `g` flag) in `direction`, e.g. requests forwarded. */
  watch(direction: FaultTrigger['direction'], pattern: RegExp): () => number;
  setMode(mode: ProxyMode): Promise<void>;
  /** Resolves when the trigger fired (the proxy is then in `trigger.mode`). */
  armFault(trigger: FaultTrigger): Promise<void>;
  stop(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream?: Socket;
}

/** A TCP proxy on a free 127.0.0.1 port in front of `target`, for fault injection in tests. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const host = '127.0.0.1';
  let mode: ProxyMode = 'forward';
  let faults = 0;
  let listening = false;
  const open = new Set<Pair>();
  const watched: Array<{ direction: FaultTrigger['direction']; pattern: RegExp; count: number }> = [];
  let armed: (FaultTrigger & { seen: number; fired: () => void }) | undefined;

  /** Counts the chunk; true when it must be dropped because it fired the armed fault. */
  const inspect = (direction: FaultTrigger['direction'], chunk: Buffer): boolean => {
    const text = chunk.toString('latin1');
    for (const entry of watched) if (entry.direction === direction && entry.pattern.test(text)) entry.count++;
    if (armed && armed.direction === direction && armed.pattern.test(text)) {
      armed.seen++;
      if (armed.seen >= armed.nth) {
        const fired = armed;
        armed = undefined;
        switchTo(fired.mode);
        fired.fired();
        return true;
      }
    }
    return false;
  };

  const cut = (pair: Pair) => {
    open.delete(pair);
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    pair.upstream?.destroy();
    faults++;
  };

  const server: Server = createServer((client) => {
    client.on('error', () => undefined);
    if (mode === 'reset') {
      faults++;
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client };
    open.add(pair);
    client.once('close', () => {
      open.delete(pair);
      pair.upstream?.destroy();
    });
    if (mode === 'hang') {
      faults++;
      client.on('data', () => undefined);
      return;
    }
    const upstream = createConnection({ host: target.host, port: target.port });
    pair.upstream = upstream;
    upstream.on('error', () => {
      if (!client.destroyed) client.resetAndDestroy();
    });
    upstream.once('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      if (mode !== 'forward' || !open.has(pair)) return;
      if (inspect('request', chunk)) return;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (mode !== 'forward' || !open.has(pair)) return;
      if (inspect('response', chunk)) return;
      client.write(chunk);
    });
    client.once('end', () => upstream.end());
    upstream.once('end', () => client.end());
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        listening = true;
        resolve();
      });
    });

  function switchTo(next: ProxyMode): void {
    if (next === mode) return;
    const previous = mode;
    mode = next;
    // Every open connection dies with the switch: pooled keep-alive sockets must not keep working.
    for (const pair of [...open]) {
      if (previous === 'hang') {
        open.delete(pair);
        pair.client.destroy();
      } else cut(pair);
    }
    if (next === 'refuse' && listening) {
      faults++;
      listening = false;
      server.close();
    }
  }

  await listen(0);
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the proxy has no port');
  const port = address.port;

  return {
    host,
    port,
    get mode() {
      return mode;
    },
    get faults() {
      return faults;
    },
    watch(direction, pattern) {
      const entry = { direction, pattern, count: 0 };
      watched.push(entry);
      return () => entry.count;
    },
    async setMode(next) {
      switchTo(next);
      if (next !== 'refuse' && !listening) await listen(port);
    },
    armFault(trigger) {
      return new Promise<void>((fired) => {
        armed = { ...trigger, seen: 0, fired };
      });
    },
    async stop() {
      armed = undefined;
      for (const pair of [...open]) {
        open.delete(pair);
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      if (listening) {
        listening = false;
        await new Promise<void>((closed) => server.close(() => closed()));
      }
    },
  };
}
