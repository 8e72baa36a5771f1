import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse, type CsvError, type InfoRecord, type Options } from 'csv-parse';
import { mergeMemberFlags, type LoadFrom } from '../domain/centers';
import { normalizeContactPoint } from '../domain/contact-point';
import type { ContactFlags } from '../domain/model';

export type FlagName = keyof Required<ContactFlags>;

/** Header names we recognise, compared lower-cased with everything but letters and digits removed. */
const COLUMN_NAMES: Record<'email' | FlagName, readonly string[]> = {
  email: ['emailaddress1', 'email', 'emailaddress', 'mail'],
  doNotEmail: ['donotemail', 'donotallowemails', 'donotallowemail'],
  doNotBulkEmail: ['donotbulkemail', 'donotallowbulkemails', 'donotallowbulkemail'],
  doNotTrack: ['donottrack', 'donotallowtracking'],
};

/** The flags a source carries: leads have no tracking field, list members only an address. */
export function flagsOf(from: LoadFrom): FlagName[] {
  if (from === 'contacts') return ['doNotEmail', 'doNotBulkEmail', 'doNotTrack'];
  if (from === 'leads') return ['doNotEmail', 'doNotBulkEmail'];
  return [];
}

const FLAG_BITS: Record<FlagName, number> = { doNotEmail: 1, doNotBulkEmail: 2, doNotTrack: 4 };
const FLAG_MASK = 7;

export function bitsToFlags(bits: number): ContactFlags {
  return {
    doNotEmail: (bits & FLAG_BITS.doNotEmail) !== 0,
    doNotBulkEmail: (bits & FLAG_BITS.doNotBulkEmail) !== 0,
    doNotTrack: (bits & FLAG_BITS.doNotTrack) !== 0,
  };
}

function flagsToBits(flags: ContactFlags): number {
  return (Object.keys(FLAG_BITS) as FlagName[]).reduce((b, f) => (flags[f] ? b | FLAG_BITS[f] : b), 0);
}

const normalizeHeader = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Column index of each field, or a message naming what is missing: a missing flag column is refused,
 * since reading it as "allows" would silently opt every member in.
 */
export function mapColumns(
  header: readonly string[],
  from: LoadFrom,
): { ok: true; columns: Partial<Record<'email' | FlagName, number>> } | { ok: false; message: string } {
  const names = header.map(normalizeHeader);
  const columns: Partial<Record<'email' | FlagName, number>> = {};
  const missing: string[] = [];
  for (const field of ['email', ...flagsOf(from)] as const) {
    const index = COLUMN_NAMES[field].map((n) => names.indexOf(n)).find((i) => i >= 0);
    if (index === undefined) missing.push(`${field} (${COLUMN_NAMES[field].join(', ')})`);
    else columns[field] = index;
  }
  if (missing.length === 0) return { ok: true, columns };
  const hint =
    from === 'contacts' && missing.length === 1 && missing[0]!.startsWith('doNotTrack')
      ? ' (or load with --from leads to write no tracking records)'
      : '';
  return { ok: false, message: `the header has no column for ${missing.join('; ')}${hint}` };
}

/** CSV booleans: true/false, 1/0, yes/no, and Dataverse's formatted "Allow" / "Do Not Allow". */
export function parseCsvBoolean(raw: string): boolean | undefined | 'invalid' {
  const text = raw.trim().toLowerCase();
  if (text === '') return undefined;
  if (['true', '1', 'yes', 'do not allow'].includes(text)) return true;
  if (['false', '0', 'no', 'allow'].includes(text)) return false;
  return 'invalid';
}

export interface RejectedRow {
  line: number;
  reason: string;
}

/** Distinct addresses with their merged flags and how many rows named them. */
export type AddressGroup = Map<string, number>;

export interface AddressTotals {
  bits: number;
  rows: number;
}

export function unpack(value: number): AddressTotals {
  return { bits: value & FLAG_MASK, rows: Math.floor(value / 8) };
}

function pack(previous: number | undefined, bits: number): number {
  if (previous === undefined) return 8 + bits;
  const merged = flagsToBits(mergeMemberFlags(bitsToFlags(previous & FLAG_MASK), bitsToFlags(bits)));
  return (Math.floor(previous / 8) + 1) * 8 + merged;
}

/** How much CSV one in-memory group may cover; bigger files are partitioned by address on disk. */
const BYTES_PER_GROUP = 64 * 1024 * 1024;
const MAX_GROUPS = 256;

/**
 * Where the first pass puts valid rows: in memory for files up to `BYTES_PER_GROUP`, else spread
 * by a hash of the address over temporary files, so every address lands in exactly one group and
 * its rows can be merged however far apart they are in the file, in bounded memory.
 */
class AddressPartitions {
  private readonly memory: AddressGroup = new Map();
  private files: WriteStream[] = [];
  private dir: string | undefined;

  private constructor(private readonly count: number) {}

  static async create(fileBytes: number, bytesPerGroup: number): Promise<AddressPartitions> {
    const count = Math.min(MAX_GROUPS, Math.max(1, Math.ceil(fileBytes / bytesPerGroup)));
    const partitions = new AddressPartitions(count);
    if (count > 1) {
      partitions.dir = await mkdtemp(join(tmpdir(), 'load-csv-'));
      partitions.files = Array.from({ length: count }, (_, i) =>
        createWriteStream(join(partitions.dir!, `${i}.txt`)),
      );
    }
    return partitions;
  }

  async add(address: string, bits: number): Promise<void> {
    if (this.count === 1) {
      this.memory.set(address, pack(this.memory.get(address), bits));
      return;
    }
    const file = this.files[fnv1a(address) % this.count]!;
    if (!file.write(`${bits}${address}\n`)) await once(file, 'drain');
  }

  /** Each group, merged; call once, after the last `add`. */
  async *groups(): AsyncGenerator<AddressGroup> {
    if (this.count === 1) {
      yield this.memory;
      return;
    }
    await Promise.all(this.files.map((f) => new Promise((closed) => f.end(closed))));
    for (let i = 0; i < this.count; i++) {
      const group: AddressGroup = new Map();
      const lines = createInterface({
        input: createReadStream(join(this.dir!, `${i}.txt`)),
        crlfDelay: Infinity,
      });
      for await (const line of lines) {
        const address = line.slice(1);
        group.set(address, pack(group.get(address), Number(line[0])));
      }
      yield group;
    }
  }

  async dispose(): Promise<void> {
    for (const file of this.files) file.destroy();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export interface ReadProgress {
  rows: number;
  rejected: number;
  bytes: number;
  totalBytes: number;
}

export interface ReadOptions {
  from: LoadFrom;
  delimiter?: string;
  /** How many rejected rows to keep for the report (all are counted). */
  keepRejected?: number;
  signal?: AbortSignal;
  /** How much of the file one in-memory group may cover (default 64 MiB). */
  bytesPerGroup?: number;
  onProgress?: (progress: ReadProgress) => void;
}

export interface MembersFile {
  rows: number;
  validRows: number;
  rejectedCount: number;
  /** The first `keepRejected` rejected rows, by line. */
  rejected: RejectedRow[];
  /** Distinct addresses, group by group; each address is in exactly one group. */
  groups(): AsyncGenerator<AddressGroup>;
  dispose(): Promise<void>;
}

export class CsvHeaderError extends Error {
  override readonly name = 'CsvHeaderError';
}

/** `normalizeContactPoint` takes a phone region; email addresses ignore it. */
const EMAIL_HAS_NO_REGION = 'US';

const countIn = (fields: readonly unknown[], pattern: RegExp) =>
  fields.reduce<number>((n, f) => n + (typeof f === 'string' ? (f.match(pattern)?.length ?? 0) : 0), 0);

/**
 * The first pass: streams the CSV once, validates every row (email, booleans, CSV structure) with
 * its line number, and collects the valid rows per normalized address.
 */
export async function readMembersFile(path: string, options: ReadOptions): Promise<MembersFile> {
  const totalBytes = (await stat(path)).size;
  const partitions = await AddressPartitions.create(totalBytes, options.bytesPerGroup ?? BYTES_PER_GROUP);
  const keep = options.keepRejected ?? 1000;
  const rejected: RejectedRow[] = [];
  let rejectedCount = 0;
  const reject = (line: number, reason: string) => {
    rejectedCount++;
    if (rejected.length < keep) rejected.push({ line, reason });
  };

  // Line numbers are worked out inside the parser's callbacks, which run in file order. The
  // parser counts a CRLF inside a quoted field as two lines, so those are taken off again.
  let lastLine = 0;
  let lastEmptyLines = 0;
  let quotedCrlfs = 0;
  let brokenRows = 0;
  let headerFields: number | undefined;
  const startLine = (info: { lines: number; empty_lines: number }, fields?: readonly unknown[]) => {
    const crlfs = fields ? countIn(fields, /\r\n/g) : 0;
    const end = info.lines - quotedCrlfs - crlfs;
    const start = fields
      ? end - countIn(fields, /\r\n|\r|\n/g)
      : lastLine + 1 + (info.empty_lines - lastEmptyLines);
    quotedCrlfs += crlfs;
    lastLine = end;
    lastEmptyLines = info.empty_lines;
    return start;
  };
  interface NumberedRow {
    line: number;
    fields: string[];
  }
  // The typings cannot express an on_record that changes the record type.
  const csvOptions: Options<NumberedRow, string[]> = {
    bom: true,
    delimiter: options.delimiter ?? ',',
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (fields: string[], info: InfoRecord) => {
      headerFields ??= fields.length;
      return { line: startLine(info, fields), fields };
    },
    on_skip: (error: CsvError | undefined) => {
      if (!error) return undefined;
      const info = error as unknown as { lines: number; empty_lines: number; record?: unknown };
      const fields = Array.isArray(info.record) ? (info.record as unknown[]) : undefined;
      brokenRows++;
      reject(
        startLine(info, fields),
        `not a valid CSV row: ${describeCsvError(error, fields, headerFields)}`,
      );
      return undefined;
    },
  };
  const input = createReadStream(path, options.signal ? { signal: options.signal } : {});
  const parser = input.pipe(parse(csvOptions as unknown as Options));
  input.on('error', (error) => parser.destroy(error));

  let columns: Partial<Record<'email' | FlagName, number>> | undefined;
  const flagNames = flagsOf(options.from);
  let rows = 0;
  let validRows = 0;
  try {
    for await (const record of parser as AsyncIterable<NumberedRow>) {
      if (!columns) {
        const mapped = mapColumns(record.fields, options.from);
        if (!mapped.ok) throw new CsvHeaderError(`${path}: ${mapped.message}`);
        columns = mapped.columns;
        continue;
      }
      rows++;
      const email = record.fields[columns.email!] ?? '';
      const problems: string[] = [];
      let bits = 0;
      for (const flag of flagNames) {
        const raw = record.fields[columns[flag]!] ?? '';
        const value = parseCsvBoolean(raw);
        if (value === 'invalid') problems.push(`${flag} is not a boolean (${JSON.stringify(raw)})`);
        else if (value) bits |= FLAG_BITS[flag];
      }
      const normalized =
        email.trim() === ''
          ? ({ ok: false, message: 'no email address' } as const)
          : normalizeContactPoint('email', email, EMAIL_HAS_NO_REGION);
      if (!normalized.ok) problems.unshift(`${normalized.message} (${JSON.stringify(email)})`);
      if (problems.length > 0 || !normalized.ok) reject(record.line, problems.join('; '));
      else {
        validRows++;
        await partitions.add(normalized.address, bits);
      }
      if (rows % 1024 === 0) {
        options.onProgress?.({
          rows: rows + brokenRows,
          rejected: rejectedCount,
          bytes: input.bytesRead,
          totalBytes,
        });
      }
    }
    if (!columns) throw new CsvHeaderError(`${path}: the file is empty (a header row is required)`);
  } catch (error) {
    await partitions.dispose();
    throw error;
  }
  options.onProgress?.({ rows: rows + brokenRows, rejected: rejectedCount, bytes: totalBytes, totalBytes });
  rejected.sort((a, b) => a.line - b.line);
  return {
    rows: rows + brokenRows,
    validRows,
    rejectedCount,
    rejected,
    groups: () => partitions.groups(),
    dispose: () => partitions.dispose(),
  };
}

/** The parser's own line numbers count differently from ours, so they are left out. */
function describeCsvError(
  error: CsvError,
  fields: readonly unknown[] | undefined,
  headerFields: number | undefined,
): string {
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return `${fields?.length ?? 'a different number of'} fields where the header has ${headerFields ?? 'another number'}`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed (the rest of the file was read into it)';
    default:
      return error.message.replace(/\s*\b(at|on) line \d+/g, '');
  }
}
