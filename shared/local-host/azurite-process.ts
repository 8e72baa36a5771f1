/*
 * Runs Azurite's table service:
 * `node azurite-process.js <host> <port> [location] [--cert <pem> --key <pem>] [--oauth basic]`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

interface TableServerLike {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
}

// Azurite's package entry point pulls in its VS Code extension, so the table server is loaded directly.
/* eslint-disable @typescript-eslint/no-require-imports */
const TableServer = require('azurite/dist/src/table/TableServer').default as new (
  config: unknown,
) => TableServerLike;
const TableConfiguration = require('azurite/dist/src/table/TableConfiguration').default as new (
  ...args: unknown[]
) => unknown;
/* eslint-enable @typescript-eslint/no-require-imports */

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const at = args.indexOf(`--${name}`);
    return at === -1 ? undefined : args.splice(at, 2)[1];
  };
  // HTTPS with this certificate; OAuth (bearer tokens) needs it.
  const cert = flag('cert') ?? '';
  const key = flag('key') ?? '';
  const oauth = flag('oauth');
  const [host = '127.0.0.1', portText = '10002', location = ''] = args;
  const inMemory = location === '';
  if (!inMemory) mkdirSync(location, { recursive: true });
  const config = new TableConfiguration(
    host,
    Number(portText),
    5, // keep-alive timeout, seconds
    inMemory ? undefined : join(location, '__azurite_db_table__.json'),
    false, // debug log
    false, // access log
    undefined,
    undefined,
    false, // loose
    true, // skip API version check: any SDK version may talk to it
    cert,
    key,
    '', // PFX password
    oauth,
    true, // path-style URLs (devstoreaccount1 in the path)
    inMemory,
  );
  const server = new TableServer(config);
  await server.start();
  const port = new URL(server.getHttpServerAddress()).port;
  process.stdout.write(`AZURITE_READY ${port}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // The parent holds our stdin: when it goes away, so do we.
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
}

main().catch((error: unknown) => {
  console.error('Azurite could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
