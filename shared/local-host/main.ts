/* `npm start`: the service on http://localhost:7071 with its own Azurite, no Core Tools needed. */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError, getConfig } from '../config';
import { isDevelopmentStorage, tableEndpointOf } from '../storage/development-storage';
import { isListening, startAzurite, type RunningAzurite } from './azurite';
import { installFunctionsCore } from './functions-core';
import { createLocalHost } from './server';
import { startTimers } from './timers';

const projectRoot = resolve(__dirname, '..', '..', '..');

/** The files package.json `main` names (a glob of the compiled functions, as the Functions host reads it). */
function functionFiles(appRoot: string): string[] {
  const pkg = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { main: string };
  const pattern = join(appRoot, pkg.main);
  const glob = new RegExp(
    `^${basename(pattern)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return readdirSync(dirname(pattern))
    .filter((file) => glob.test(file))
    .sort()
    .map((file) => join(dirname(pattern), file));
}

function routePrefix(appRoot: string): string {
  const host = JSON.parse(readFileSync(join(appRoot, 'host.json'), 'utf8')) as {
    extensions?: { http?: { routePrefix?: string } };
  };
  return host.extensions?.http?.routePrefix ?? 'api';
}

async function main(): Promise<void> {
  const config = getConfig();
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

  let azurite: RunningAzurite | undefined;
  const storage = config.consentStorage;
  const development = storage.kind === 'connectionString' && isDevelopmentStorage(storage.connectionString);
  const endpoint = development ? tableEndpointOf(storage.connectionString) : undefined;
  if (endpoint && ['127.0.0.1', 'localhost'].includes(endpoint.hostname)) {
    const port = Number(endpoint.port);
    if (await isListening(endpoint.hostname, port)) {
      log(`Using the table service already listening on ${endpoint.host}`);
    } else {
      azurite = await startAzurite({ port, location: resolve(projectRoot, config.AZURITE_LOCATION) });
      log(`Started Azurite (tables) on ${endpoint.host}, data in ${config.AZURITE_LOCATION}/`);
    }
  }

  const appRoot = config.FUNCTIONS_APP_ROOT ? resolve(config.FUNCTIONS_APP_ROOT) : projectRoot;
  if (appRoot !== projectRoot) log(`Serving the function app in ${appRoot}`);
  const registrations = installFunctionsCore();
  // Loaded the way the Functions host loads them: each file registers its functions with `app.http`.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const file of functionFiles(appRoot)) require(file);

  if (appRoot === projectRoot) {
    // Tables, and the default profile, exist before the first request.
    const { getServices } = await import('../runtime');
    try {
      await getServices().catalog.probe();
    } catch {
      log('Storage is not reachable yet; requests will answer 503 until it is.');
    }
  }
  // Another app (a deployment package) has its own copy of the service: as on Azure, its first
  // request prepares the tables.

  const timers = startTimers(registrations, log);
  const server = createLocalHost({
    registrations,
    routePrefix: routePrefix(appRoot),
    ...(config.LOCAL_FUNCTION_KEY ? { functionKey: config.LOCAL_FUNCTION_KEY } : {}),
    maxBodyBytes: config.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT,
    log,
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((listening) => server.listen(config.PORT, '127.0.0.1', listening));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  log(`Consent service listening on http://127.0.0.1:${port}/api (${registrations.length} functions)`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    timers.stop();
    server.closeAllConnections();
    await new Promise((closed) => server.close(closed));
    await azurite?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (config.EXIT_WITH_STDIN) {
    process.stdin.on('end', () => void stop());
    process.stdin.resume();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
