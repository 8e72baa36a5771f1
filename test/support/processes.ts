import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export { azuriteConnectionString, startAzurite, type RunningAzurite } from '../../shared/local-host/azurite';

export const projectRoot = join(__dirname, '..', '..');

/** The subject key of the test hosts (test/support/subject-key-setup.ts loads it into the tests too). */
export const TEST_SUBJECT_KEY = 'test-subject-key-0123456789abcdef-0123456789';

export interface RunningHost {
  url: string;
  port: number;
  logs: string[];
  stop(): Promise<void>;
}

/**
 * Starts the compiled local host (`npm start` without the build) on a free port, against the given
 * storage; resolves once it listens. It exits with us (its stdin is ours). `cwd` is where it looks
 * for local.settings.json: another folder keeps a developer's own settings out of a test.
 */
export async function startHost(
  env: Record<string, string>,
  options: { cwd?: string } = {},
): Promise<RunningHost> {
  const child = spawn(process.execPath, [join(projectRoot, 'dist/shared/local-host/main.js')], {
    cwd: options.cwd ?? projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      EXIT_WITH_STDIN: 'true',
      STORAGE_MAX_RETRIES: '0',
      // One subject key for every host a test starts, so tests can derive the keys they look at.
      SUBJECT_KEY: TEST_SUBJECT_KEY,
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`host exited (${code}): ${logs.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      const listening = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(line);
      if (listening) resolve(Number(listening[1]));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    logs,
    async stop() {
      child.stdin?.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
