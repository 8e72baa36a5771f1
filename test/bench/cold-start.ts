/*
 * Cold start: from process start to the first answered `/api/check` (module load, settings, table
 * readiness, catalog load), for the deployment package served by the local host, against a bare
 * Node HTTP server's start on the same machine; and the package's module-load time alone.
 * `npm run bench` prints these at its end; `npm run bench:cold` prints only these.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { unzipSync } from 'fflate';
import { buildPackage, PACKAGE_MAIN } from '../../shared/cli/package-app';
import { startIdentityEndpoint } from '../support/identity-endpoint';
import { projectRoot, startAzurite, startHost, type RunningAzurite } from '../support/processes';
import { throwawayTls } from '../support/tls';

const STARTS = Number(process.env.BENCH_COLD_STARTS ?? 7);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const CHECK = {
  messages: [
    {
      messageId: 'cold',
      channel: 'email',
      contactPoint: 'cold.start@example.com',
      profileId: 'default',
      purposeId: 'commercial',
    },
  ],
};

/** Runs `node -e script` and resolves with the first line it prints. */
function nodeLine(
  script: string,
  env: Record<string, string> = {},
): Promise<{ line: string; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before printing`)));
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve({ line, stop: () => child.kill() }),
    );
  });
}

/** Milliseconds from spawning a host of `env` to the answer of its first check. */
async function startToFirstCheck(env: Record<string, string>, cwd: string): Promise<number> {
  const started = performance.now();
  const host = await startHost(env, { cwd });
  try {
    const res = await fetch(`${host.url}/api/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(CHECK),
    });
    const body = (await res.json()) as { decisions?: Array<{ decision: string }> };
    if (res.status !== 200 || body.decisions?.[0]?.decision !== 'sent') {
      throw new Error(`first check: ${res.status} ${JSON.stringify(body)}`);
    }
    return performance.now() - started;
  } finally {
    await host.stop();
  }
}

/** Milliseconds from spawning a host of `env` to its listening: the local host's own share. */
async function startToListening(env: Record<string, string>, cwd: string): Promise<number> {
  const started = performance.now();
  const host = await startHost(env, { cwd });
  const listening = performance.now() - started;
  await host.stop();
  return listening;
}

/** The same for a Node HTTP server that only answers: what any Node process needs to start. */
async function bareNodeStart(): Promise<number> {
  const started = performance.now();
  const server = await nodeLine(
    "require('node:http').createServer((q, s) => s.end('ok'))" +
      ".listen(0, '127.0.0.1', function () { console.log(this.address().port); });",
  );
  try {
    const res = await fetch(`http://127.0.0.1:${server.line}/`);
    await res.text();
    return performance.now() - started;
  } finally {
    server.stop();
  }
}

/** Milliseconds to load `files` in a fresh process, with the host's core API stood in for. */
async function moduleLoad(files: string[]): Promise<number> {
  const core = join(projectRoot, 'dist', 'shared', 'local-host', 'functions-core.js');
  const { line, stop } = await nodeLine(
    `require(${JSON.stringify(core)}).installFunctionsCore();` +
      'const started = performance.now();' +
      `for (const file of ${JSON.stringify(files)}) require(file);` +
      'console.log(performance.now() - started);',
  );
  stop();
  return Number(line);
}

export interface ColdStartFigures {
  'cold-start-ms': number;
  'cold-start-identity-ms': number;
  'local-host-start-ms': number;
  'bare-node-start-ms': number;
  'package-module-load-ms': number;
  'project-module-load-ms': number;
  'package-bytes': number;
}

/** Cold start figures, medians of `STARTS` starts each, taken in alternating rounds. */
export async function measureColdStart(azurite: RunningAzurite): Promise<ColdStartFigures> {
  const work = mkdtempSync(join(tmpdir(), 'consent-cold-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    const built = await buildPackage();
    const app = join(work, 'app');
    for (const [path, data] of Object.entries(unzipSync(built.zip))) {
      mkdirSync(dirname(join(app, path)), { recursive: true });
      writeFileSync(join(app, path), data);
    }
    // An app with no functions: what the local host itself takes to start.
    const emptyApp = join(work, 'empty');
    mkdirSync(join(emptyApp, 'dist'), { recursive: true });
    writeFileSync(join(emptyApp, 'host.json'), JSON.stringify({ version: '2.0' }));
    writeFileSync(join(emptyApp, 'package.json'), JSON.stringify({ main: 'dist/*.js' }));
    const packaged = {
      FUNCTIONS_APP_ROOT: app,
      AzureWebJobsStorage: azurite.connectionString,
      CONSENT_TABLE_PREFIX: 'benchcold',
    };

    // The recommended deployment: a managed identity, tokens, TLS.
    const tls = await throwawayTls(work);
    const secured = await startAzurite({ port: 0, cert: tls.cert, key: tls.key, oauth: 'basic' });
    stops.push(() => secured.stop());
    const identity = await startIdentityEndpoint();
    stops.push(() => identity.stop());
    const identityApp = {
      FUNCTIONS_APP_ROOT: app,
      AzureWebJobsStorage__tableServiceUri: secured.tableEndpoint,
      AzureWebJobsStorage__credential: 'managedidentity',
      ...identity.env,
      NODE_EXTRA_CA_CERTS: tls.ca,
      CONSENT_TABLE_PREFIX: 'benchcold',
    };

    const projectFunctions = (await import('node:fs'))
      .readdirSync(join(projectRoot, 'dist', 'functions'))
      .filter((f) => f.endsWith('.js'))
      .sort()
      .map((f) => join(projectRoot, 'dist', 'functions', f));
    // Hosts start in `work`, away from a developer's local.settings.json.
    // An instance starting in production finds its tables made: the first starts make them.
    await startToFirstCheck(packaged, work);
    await startToFirstCheck(identityApp, work);

    const samples: Record<keyof ColdStartFigures, number[]> = {
      'cold-start-ms': [],
      'cold-start-identity-ms': [],
      'local-host-start-ms': [],
      'bare-node-start-ms': [],
      'package-module-load-ms': [],
      'project-module-load-ms': [],
      'package-bytes': [built.zip.length],
    };
    for (let i = 0; i < STARTS; i++) {
      samples['cold-start-ms'].push(await startToFirstCheck(packaged, work));
      samples['cold-start-identity-ms'].push(await startToFirstCheck(identityApp, work));
      samples['local-host-start-ms'].push(
        await startToListening(
          {
            FUNCTIONS_APP_ROOT: emptyApp,
            AzureWebJobsStorage: azurite.connectionString,
          },
          work,
        ),
      );
      samples['bare-node-start-ms'].push(await bareNodeStart());
      samples['package-module-load-ms'].push(await moduleLoad([join(app, PACKAGE_MAIN)]));
      samples['project-module-load-ms'].push(await moduleLoad(projectFunctions));
    }
    return Object.fromEntries(
      Object.entries(samples).map(([name, values]) => [name, median(values)]),
    ) as unknown as ColdStartFigures;
  } finally {
    for (const stop of stops.reverse()) await stop();
    rmSync(work, { recursive: true, force: true });
  }
}

export function printColdStart(figures: ColdStartFigures): void {
  for (const [name, value] of Object.entries(figures)) {
    console.log(`${name} ${name === 'package-bytes' ? value : value.toFixed(0)}`);
  }
}

if (require.main === module) {
  void (async () => {
    const azurite = await startAzurite({ port: 0 });
    try {
      printColdStart(await measureColdStart(azurite));
    } finally {
      await azurite.stop();
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
