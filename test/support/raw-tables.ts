import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { TableClient, TableServiceClient } from '@azure/data-tables';

/**
 * Every entity of every table whose name starts with `prefix`, as text: each property, and the
 * compressed history chunks inflated, so a search for an address finds it wherever it was stored.
 */
export async function rawTableText(connection: string, prefix: string): Promise<string[]> {
  const service = TableServiceClient.fromConnectionString(connection, { allowInsecureConnection: true });
  const texts: string[] = [];
  for await (const table of service.listTables()) {
    if (!table.name?.startsWith(prefix)) continue;
    const client = TableClient.fromConnectionString(connection, table.name, {
      allowInsecureConnection: true,
    });
    for await (const entity of client.listEntities<Record<string, unknown>>()) {
      const binary = Object.keys(entity)
        .filter((k) => entity[k] instanceof Uint8Array)
        .sort((a, b) => a.length - b.length || a.localeCompare(b))
        .map((k) => Buffer.from(entity[k] as Uint8Array));
      let inflated = '';
      if (binary.length > 0) {
        try {
          inflated = inflateRawSync(Buffer.concat(binary)).toString('utf8');
        } catch {
          inflated = Buffer.concat(binary).toString('latin1');
        }
      }
      const plain = Object.fromEntries(Object.entries(entity).filter(([, v]) => !(v instanceof Uint8Array)));
      texts.push(`${table.name} ${JSON.stringify(plain)} ${inflated}`);
    }
  }
  return texts;
}

/** What must not be found of an erased address: itself, its local part and its unkeyed digests. */
export function traces(channel: string, address: string): string[] {
  const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  const local = address.includes('@') ? address.slice(0, address.lastIndexOf('@')) : address;
  const unkeyed = [sha(`${channel}\n${address}`), sha(address)];
  return [
    address,
    local,
    ...unkeyed.flatMap((d) => [
      d.toString('hex'),
      d.subarray(0, 10).toString('hex'),
      d.toString('base64'),
      d.toString('base64url'),
    ]),
  ];
}
