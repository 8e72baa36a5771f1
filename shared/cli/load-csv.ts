/*
 * `npm run load -- <file.csv> --profile <id> --purpose <id> --from contacts|leads|list ...`
 * Loads consent from a CSV export through POST /api/consents/load. Two passes: the file is read
 * once to validate every row and merge rows per address (an address shared by several members is
 * opted in only if all of them allow, wherever they are in the file), then one member per address
 * is sent in chunks. Re-running after an interruption is safe: what was loaded reports `unchanged`.
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { LOAD_FROM, type LoadFrom, type OptValue } from '../domain/centers';
import type { LoadCounts } from '../api/centers/centers.schemas';
import {
  bitsToFlags,
  CsvHeaderError,
  flagsOf,
  readMembersFile,
  unpack,
  type MembersFile,
  type RejectedRow,
} from './csv-members';
import { ConsentClient, RequestFailed, type LoadChunk } from './load-client';
import { formatCount, Progress } from './progress';

const USAGE = `Usage: npm run load -- <file.csv> --profile <id> --purpose <id> --from contacts|leads|list [options]

  --profile <id>        compliance profile
  --purpose <id>        commercial or transactional purpose of the profile
  --topic <id>          lists only: load into this topic of the purpose instead
  --from <source>       contacts | leads | list
  --value <value>       optedIn | optedOut: required for a list, refused otherwise
  --url <url>           service address (default http://127.0.0.1:7071)
  --key <key>           function key (x-functions-key)
  --chunk <n>           members per request, 1..10000 (default 1000)
  --concurrency <n>     requests in flight, 1..16 (default 4)
  --actor <name>        who the history names (default load-csv)
  --delimiter <char>    field delimiter (default ,)
  --json                print the summary as JSON
  --help                this text

Columns (header row, case and punctuation ignored): emailaddress1 or email; for contacts and
leads donotemail and donotbulkemail; for contacts donottrack. Booleans: true/false, 1/0, yes/no,
Allow/Do Not Allow; an empty cell allows.
Exit codes: 0 loaded (rejected rows are listed), 1 the load failed, 2 bad arguments or header, 130 interrupted.`;

const MAX_CHUNK = 10_000;
const MAX_CONCURRENCY = 16;
const MAX_REJECTED_LISTED = 1000;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface CliOptions {
  file: string;
  profileId: string;
  purposeId: string;
  topicId?: string;
  from: LoadFrom;
  value?: OptValue;
  url: string;
  key?: string;
  chunk: number;
  concurrency: number;
  actor: string;
  delimiter: string;
  json: boolean;
}

function integerOption(raw: string | undefined, name: string, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`--${name} must be an integer from 1 to ${max}`);
  return n;
}

export function parseOptions(argv: readonly string[]): CliOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        profile: { type: 'string' },
        purpose: { type: 'string' },
        topic: { type: 'string' },
        from: { type: 'string' },
        value: { type: 'string' },
        url: { type: 'string', default: 'http://127.0.0.1:7071' },
        key: { type: 'string' },
        chunk: { type: 'string' },
        concurrency: { type: 'string' },
        actor: { type: 'string', default: 'load-csv' },
        delimiter: { type: 'string', default: ',' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError('name exactly one CSV file');
  const from = values.from as LoadFrom | undefined;
  if (!from || !LOAD_FROM.includes(from))
    throw new UsageError(`--from must be one of ${LOAD_FROM.join(', ')}`);
  if (!values.profile) throw new UsageError('--profile is required');
  if (!values.purpose) throw new UsageError('--purpose is required');
  const value = values.value;
  if (value !== undefined && value !== 'optedIn' && value !== 'optedOut')
    throw new UsageError('--value must be optedIn or optedOut');
  if (from === 'list' && value === undefined) throw new UsageError('--value is required with --from list');
  if (from !== 'list' && value !== undefined) {
    throw new UsageError('--value is only for lists: for contacts and leads the DoNot* columns decide');
  }
  if (values.delimiter.length !== 1) throw new UsageError('--delimiter must be one character');
  try {
    new URL(values.url);
  } catch {
    throw new UsageError(`--url is not a URL: ${values.url}`);
  }
  return {
    file: positionals[0]!,
    profileId: values.profile,
    purposeId: values.purpose,
    ...(values.topic !== undefined ? { topicId: values.topic } : {}),
    from,
    ...(value !== undefined ? { value } : {}),
    url: values.url,
    ...(values.key !== undefined ? { key: values.key } : {}),
    chunk: integerOption(values.chunk, 'chunk', 1000, MAX_CHUNK),
    concurrency: integerOption(values.concurrency, 'concurrency', 4, MAX_CONCURRENCY),
    actor: values.actor,
    delimiter: values.delimiter,
    json: values.json,
  };
}

/** Fails fast on a typo before a large file is read; the service checks all of it again. */
async function checkTarget(client: ConsentClient, options: CliOptions): Promise<void> {
  const profile = await client.profile(options.profileId);
  if (!profile) throw new UsageError(`there is no profile "${options.profileId}"`);
  const purpose = profile.purposes.find((p) => p.id === options.purposeId);
  if (!purpose) throw new UsageError(`profile "${profile.id}" has no purpose "${options.purposeId}"`);
  if (purpose.type === 'tracking') {
    throw new UsageError('the tracking purpose cannot be loaded: tracking records come from donottrack');
  }
  if (options.topicId !== undefined && !(purpose.topics ?? []).some((t) => t.id === options.topicId)) {
    throw new UsageError(`purpose "${purpose.id}" has no topic "${options.topicId}"`);
  }
}

interface Summary {
  file: string;
  complete: boolean;
  rowsRead: number;
  rejected: number;
  addresses: number;
  consent: LoadCounts['consent'];
  tracking: LoadCounts['tracking'];
  seconds: number;
  rowsPerSecond: number;
  rejectedRows: RejectedRow[];
}

const zeroCounts = () => ({ created: 0, updated: 0, unchanged: 0, suppressed: 0 });

async function send(
  members: MembersFile,
  options: CliOptions,
  client: ConsentClient,
  progress: Progress,
  summary: Summary,
  stopped: () => boolean,
): Promise<void> {
  const flags = flagsOf(options.from);
  const target = {
    profileId: options.profileId,
    purposeId: options.purposeId,
    ...(options.topicId !== undefined ? { topicId: options.topicId } : {}),
    from: options.from,
    ...(options.value !== undefined ? { value: options.value } : {}),
  };
  let rowsDone = 0;
  let failure: unknown;
  const inFlight = new Set<Promise<void>>();
  const show = (force = false) =>
    progress.update(() => {
      const c = summary.consent;
      const t = summary.tracking;
      const written = `created ${formatCount(c.created + t.created)}  updated ${formatCount(c.updated + t.updated)}  unchanged ${formatCount(c.unchanged + t.unchanged)}`;
      return {
        fraction: members.validRows === 0 ? 1 : rowsDone / members.validRows,
        rate: rowsDone / Math.max(progress.elapsed(), 0.001),
        detail: `${formatCount(rowsDone)}/${formatCount(members.validRows)} rows  ${written}`,
      };
    }, force);

  const launch = async (chunk: LoadChunk, rows: number) => {
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    if (failure !== undefined || stopped()) return;
    const request: Promise<void> = client.load(chunk).then(
      (counts) => {
        for (const kind of ['consent', 'tracking'] as const)
          for (const outcome of ['created', 'updated', 'unchanged', 'suppressed'] as const)
            summary[kind][outcome] += counts[kind][outcome] ?? 0;
        summary.addresses += chunk.members.length;
        rowsDone += rows;
        show();
      },
      (error: unknown) => {
        failure ??= error;
      },
    );
    const tracked = request.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  progress.start('sending');
  show(true);
  for await (const group of members.groups()) {
    if (failure !== undefined || stopped()) break;
    let chunk: LoadChunk['members'] = [];
    let rows = 0;
    for (const [address, packed] of group) {
      if (failure !== undefined || stopped()) break;
      const { bits, rows: count } = unpack(packed);
      const merged = bitsToFlags(bits);
      const member: LoadChunk['members'][number] = { email: address };
      for (const flag of flags) if (merged[flag]) member[flag] = true;
      chunk.push(member);
      rows += count;
      if (chunk.length === options.chunk) {
        await launch({ ...target, members: chunk }, rows);
        chunk = [];
        rows = 0;
      }
    }
    if (chunk.length > 0) await launch({ ...target, members: chunk }, rows);
  }
  await Promise.all(inFlight);
  show(true);
  progress.finishLine();
  if (failure !== undefined) throw failure;
}

function printSummary(summary: Summary, options: CliOptions, out: NodeJS.WriteStream): void {
  if (options.json) {
    out.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const counts = (c: LoadCounts['consent']) =>
    `created ${formatCount(c.created)}  updated ${formatCount(c.updated)}  unchanged ${formatCount(c.unchanged)}` +
    (c.suppressed > 0 ? `  suppressed (erased) ${formatCount(c.suppressed)}` : '');
  const target = `${options.profileId}/${options.purposeId}${options.topicId ? `/${options.topicId}` : ''}`;
  out.write(
    [
      `${summary.complete ? 'Loaded' : 'Partly loaded'} ${basename(summary.file)} into ${target} (from ${options.from})`,
      `  rows read  ${formatCount(summary.rowsRead)}   rejected ${formatCount(summary.rejected)}   addresses ${formatCount(summary.addresses)}`,
      `  consent    ${counts(summary.consent)}`,
      `  tracking   ${counts(summary.tracking)}`,
      `  time       ${summary.seconds.toFixed(1)} s   ${formatCount(summary.rowsPerSecond)} rows/s`,
      '',
    ].join('\n'),
  );
}

function listRejected(members: MembersFile, progress: Progress): void {
  if (members.rejectedCount === 0) return;
  progress.log(`${formatCount(members.rejectedCount)} rejected row(s), not loaded:`);
  for (const row of members.rejected) progress.log(`  line ${row.line}: ${row.reason}`);
  const unlisted = members.rejectedCount - members.rejected.length;
  if (unlisted > 0) progress.log(`  ... and ${formatCount(unlisted)} more`);
}

export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`load-csv: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = performance.now();
  const progress = new Progress(process.stderr);
  const client = new ConsentClient(options.url, options.key, options.actor, (m) => progress.log(m));
  let interrupted = false;
  const reading = new AbortController();
  const onSignal = () => {
    interrupted = true;
    reading.abort();
    progress.log('Interrupted: finishing the requests in flight (run again to resume).');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const summary: Summary = {
    file: options.file,
    complete: false,
    rowsRead: 0,
    rejected: 0,
    addresses: 0,
    consent: zeroCounts(),
    tracking: zeroCounts(),
    seconds: 0,
    rowsPerSecond: 0,
    rejectedRows: [],
  };
  let members: MembersFile | undefined;
  let code = 0;
  try {
    await checkTarget(client, options);
    progress.start('reading');
    members = await readMembersFile(options.file, {
      from: options.from,
      delimiter: options.delimiter,
      keepRejected: MAX_REJECTED_LISTED,
      signal: reading.signal,
      onProgress: (p) =>
        progress.update(
          () => ({
            fraction: p.totalBytes === 0 ? 1 : p.bytes / p.totalBytes,
            rate: p.rows / Math.max(progress.elapsed(), 0.001),
            detail: `${formatCount(p.rows)} rows  ${formatCount(p.rejected)} rejected`,
          }),
          p.bytes === p.totalBytes,
        ),
    });
    progress.finishLine();
    Object.assign(summary, {
      rowsRead: members.rows,
      rejected: members.rejectedCount,
      rejectedRows: members.rejected,
    });
    listRejected(members, progress);
    if (!interrupted) await send(members, options, client, progress, summary, () => interrupted);
    summary.complete = !interrupted;
    if (interrupted) code = 130;
  } catch (error) {
    progress.finishLine();
    if (interrupted) code = 130;
    else if (error instanceof UsageError || error instanceof CsvHeaderError) {
      process.stderr.write(`load-csv: ${error.message}\n`);
      code = 2;
    } else {
      const message = error instanceof RequestFailed ? error.message : String(error);
      process.stderr.write(`load-csv: ${message}\n`);
      if (summary.addresses > 0)
        process.stderr.write('load-csv: run again to resume; loaded rows report unchanged.\n');
      code = 1;
    }
  } finally {
    await members?.dispose();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  summary.seconds = (performance.now() - started) / 1000;
  summary.rowsPerSecond = summary.rowsRead / Math.max(summary.seconds, 0.001);
  if (members) printSummary(summary, options, process.stdout);
  return code;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`load-csv: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
