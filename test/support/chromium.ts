import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from './processes';

/**
 * The Chromium that @sparticuz/chromium ships inside its npm package, unpacked once into a folder of
 * the project's own (it unpacks into $TMPDIR and reuses what it finds there). Unpacked beside the
 * final folder and renamed into place, so a half-unpacked browser is never used.
 */
export async function unpackChromium(): Promise<string> {
  const folder = join(projectRoot, 'node_modules', '.cache', 'consent-chromium');
  const binary = join(folder, 'chromium');
  if (existsSync(join(folder, '.complete')) && existsSync(binary)) return binary;
  mkdirSync(dirname(folder), { recursive: true });
  const partial = mkdtempSync(`${folder}-`);
  const previous = process.env.TMPDIR;
  try {
    process.env.TMPDIR = partial;
    const { default: chromium } = await import('@sparticuz/chromium');
    await chromium.executablePath();
    writeFileSync(join(partial, '.complete'), '');
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  rmSync(folder, { recursive: true, force: true });
  renameSync(partial, folder);
  return binary;
}

/** The launch flags it recommends, less --single-process (which crashes when a second context opens). */
export async function chromiumArgs(): Promise<string[]> {
  const { default: chromium } = await import('@sparticuz/chromium');
  return chromium.args.filter((arg) => arg !== '--single-process');
}
