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

/** The files of `shared/web/assets`, read once, by name; nothing outside that folder is reachable. */
export function findAsset(name: string): Asset | undefined {
  if (!assets) {
    const folder = appFile('shared/web/assets');
    assets = new Map();
    for (const file of readdirSync(folder)) {
      const contentType = TYPES[extname(file)];
      if (!contentType) continue;
      const body = readFileSync(join(folder, file));
      assets.set(file, {
        body,
        contentType,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`,
      });
    }
  }
  return assets.get(name);
}
