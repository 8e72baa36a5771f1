import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/**
 * The function app's root, the folder that holds `host.json`: the project when run from its build
 * or sources, the unpacked package when deployed (its code is `dist/main.js`).
 */
export function appRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'host.json'))) return (root = dir);
    if (dirname(dir) === dir) throw new Error(`No host.json above ${__dirname}`);
  }
}

/**
 * A file shipped with the app, by its path in the project (`shared/…/assets/page.css`): the
 * package keeps every asset under `shared/` at that same path.
 */
export function appFile(path: string): string {
  return join(appRoot(), path);
}
