import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { appFile } from '../app-root';

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

let assets: Map<string, Asset> | undefined;

/**
 * The files of `shared/web/assets` and its folders (the consent center's modules), read once, by
 * their path there (`consent-center/main.js`); nothing outside that folder is reachable, and only
 * the types above are served (no compiler settings, no manuals).
 */
export function findAsset(path: string): Asset | undefined {
  if (!assets) {
    const root = appFile('shared/web/assets');
    const found = new Map<string, Asset>();
    const walk = (folder: string, prefix: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(folder, entry.name), `${prefix}${entry.name}/`);
        const contentType = TYPES[extname(entry.name)];
        if (!entry.isFile() || !contentType) continue;
        const body = readFileSync(join(folder, entry.name));
        found.set(`${prefix}${entry.name}`, {
          body,
          contentType,
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`,
        });
      }
    };
    walk(root, '');
    assets = found;
  }
  return assets.get(path);
}
