/** Splits a long string into chunks that each fit one Table Storage string property (64 KiB UTF-16). */
export const CHUNK_CHARS = 30_000;

/** JSON with every non-ASCII character escaped, so chunk boundaries never split a surrogate pair. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function toChunks(text: string, prefix: string): Record<string, string> {
  const chunks: Record<string, string> = {};
  for (let i = 0, n = 0; i < text.length || n === 0; i += CHUNK_CHARS, n++) {
    chunks[`${prefix}${n}`] = text.slice(i, i + CHUNK_CHARS);
  }
  return chunks;
}

export function fromChunks(entity: Record<string, unknown>, prefix: string): string {
  let text = '';
  for (let n = 0; typeof entity[`${prefix}${n}`] === 'string'; n++) text += entity[`${prefix}${n}`] as string;
  return text;
}

/** A binary property holds at most 64 KiB. */
export const BINARY_CHUNK_BYTES = 64 * 1024;

export function toBinaryChunks(bytes: Buffer, prefix: string): Record<string, Uint8Array> {
  const chunks: Record<string, Uint8Array> = {};
  for (let i = 0, n = 0; i < bytes.length || n === 0; i += BINARY_CHUNK_BYTES, n++) {
    chunks[`${prefix}${n}`] = new Uint8Array(bytes.subarray(i, i + BINARY_CHUNK_BYTES));
  }
  return chunks;
}

export function fromBinaryChunks(entity: Record<string, unknown>, prefix: string): Buffer {
  const parts: Buffer[] = [];
  for (let n = 0; entity[`${prefix}${n}`] instanceof Uint8Array; n++) {
    parts.push(Buffer.from(entity[`${prefix}${n}`] as Uint8Array));
  }
  return Buffer.concat(parts);
}
