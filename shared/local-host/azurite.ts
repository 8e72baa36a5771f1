import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The well-known development account key, for building a connection string to a local Azurite. */
export const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(
  host: string,
  port: number,
  protocol: 'http' | 'https' = 'http',
): string {
  return (
    `DefaultEndpointsProtocol=${protocol};AccountName=devstoreaccount1;AccountKey=${DEV_ACCOUNT_KEY};` +
    `TableEndpoint=${protocol}://${host}:${port}/devstoreaccount1;`
  );
}

/** The compiled runner; tests load this module from source, so fall back to the build output. */
function runnerScript(): string {
  const beside = join(__dirname, 'azurite-process.js');
  return existsSync(beside)
    ? beside
    : resolve(__dirname, '..', '..', 'dist', 'shared', 'local-host', 'azurite-process.js');
}

export interface AzuriteOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** A folder to persist to; in memory when absent. */
  location?: string;
  /** PEM files: serve HTTPS with this certificate and key. */
  cert?: string;
  key?: string;
  /** `basic`: also accept bearer tokens (needs HTTPS). Azurite checks their audience, issuer and times, not their signature. */
  oauth?: 'basic';
}

export interface RunningAzurite {
  host: string;
  port: number;
  /** The account's table endpoint, `http(s)://host:port/devstoreaccount1`. */
  tableEndpoint: string;
  connectionString: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Whether something already accepts connections on host:port. */
export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts Azurite's table service in a child process (`azurite-process.js`) and resolves once it
 * listens. The child exits when its parent does, so no process is left behind.
 */
export async function startAzurite(options: AzuriteOptions): Promise<RunningAzurite> {
  const host = options.host ?? '127.0.0.1';
  const tls = options.cert !== undefined && options.key !== undefined;
  const child = spawn(
    process.execPath,
    [
      runnerScript(),
      host,
      String(options.port),
      options.location ?? '',
      ...(tls ? ['--cert', options.cert!, '--key', options.key!] : []),
      ...(options.oauth ? ['--oauth', options.oauth] : []),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`Azurite exited before it listened (code ${code})`));
    child.once('exit', onExit);
    child.once('error', reject);
    lines.on('line', (line) => {
      const ready = /^AZURITE_READY (\d+)$/.exec(line);
      if (ready) {
        child.off('exit', onExit);
        resolve(Number(ready[1]));
      }
    });
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const protocol = tls ? 'https' : 'http';
  return {
    host,
    port,
    tableEndpoint: `${protocol}://${host}:${port}/devstoreaccount1`,
    connectionString: azuriteConnectionString(host, port, protocol),
    process: child,
    async stop() {
      child.stdin?.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
