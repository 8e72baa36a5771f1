import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bitsToFlags, readMembersFile, unpack } from '../../shared/cli/csv-members';
import { apiClient, qs, uniqueEmail } from '../support/client';
import { projectRoot } from '../support/processes';

const api = apiClient();
const CLI = join(projectRoot, 'dist/shared/cli/load-csv.js');
const PROFILE = 'cli-brand';
const dir = mkdtempSync(join(tmpdir(), 'load-cli-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the compiled CLI against the test host; resolves when it exits. */
function runCli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const target = (extra: string[] = []) => [
  '--profile',
  PROFILE,
  '--purpose',
  'cli-news',
  '--url',
  inject('hostUrl'),
  '--key',
  inject('functionKey'),
  ...extra,
];

async function values(contactPoint: string): Promise<Record<string, string>> {
  const res = await api.get(`/api/consents${qs({ channel: 'email', contactPoint })}`);
  expect(res.status).toBe(200);
  return Object.fromEntries(
    (res.body.records as any[]).map((r) => [
      r.topicId ? `${r.purposeId}/${r.topicId}` : r.purposeId,
      r.value,
    ]),
  );
}

beforeAll(async () => {
  const res = await api.put(`/api/profiles/${PROFILE}`, {
    name: 'CLI brand',
    purposes: [
      {
        id: 'cli-news',
        name: 'News',
        type: 'commercial',
        enforcement: 'nonRestrictive',
        topics: [{ id: 'cli-weekly', name: 'Weekly' }],
      },
      { id: 'cli-tracking', name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });
  expect([200, 201]).toContain(res.status);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('load-csv', () => {
  it('loads contacts from a Dataverse-style CSV, lists rejected lines, merges shared addresses across chunks, and is re-runnable', async () => {
    const shared = uniqueEmail('cli-shared');
    const [alice, bob, eve] = [uniqueEmail('cli'), uniqueEmail('cli'), uniqueEmail('cli')];
    const blockedFirst = uniqueEmail('cli-shared');
    const filler = Array.from({ length: 11 }, () => uniqueEmail('cli-fill'));
    const lines = [
      'contactid,Full Name,EmailAddress1,DoNotEmail,DoNotBulkEmail,DoNotTrack', // 1
      `1,"Smith, Alice",${shared},false,false,false`, // 2
      `2,"Multi-line\r\nname, Bob",${bob},no,yes,0`, // 3-4
      '3,Carol,not-an-email,0,0,0', // 5: rejected
      `4,Dan,${uniqueEmail('cli-dan')},maybe,0,0`, // 6: rejected
      '', // 7
      `5,"Eve ""quoted"", Jr.",${eve},Do Not Allow,Allow,`, // 8
      `6,Frank,${uniqueEmail('cli-frank')},0,0`, // 9: rejected, a field is missing
      '7,Grace,,0,0,0', // 10: rejected, no address
      `8,Alice again,${alice},0,0,0`, // 11
      `9,Blocked First,${blockedFirst},1,0,1`, // 12
      ...filler.map((email, i) => `${20 + i},Filler,${email},false,false,false`), // 13-23
      `99,"Shared, Zed",${shared.toUpperCase()},false,true,true`, // 24: blocks, so shared is opted out
      `100,Allows Last,${blockedFirst.toUpperCase()},0,0,0`, // 25: allows, but line 12 blocked
    ];
    const file = join(dir, 'contacts.csv');
    writeFileSync(file, `${lines.join('\r\n')}\r\n`);

    const first = await runCli([
      file,
      ...target(['--from', 'contacts', '--chunk', '2', '--concurrency', '2', '--json']),
    ]);
    expect(first.stderr).not.toMatch(/failed/);
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({
      complete: true,
      rowsRead: 22,
      rejected: 4,
      addresses: 16,
      consent: { created: 16, updated: 0, unchanged: 0 },
      tracking: { created: 16, updated: 0, unchanged: 0 },
    });
    expect(summary.rejectedRows.map((r: any) => r.line)).toEqual([5, 6, 9, 10]);
    expect(summary.rejectedRows[0].reason).toMatch(/not-an-email/);
    expect(summary.rejectedRows[1].reason).toMatch(/doNotEmail is not a boolean/);
    expect(summary.rejectedRows[3].reason).toMatch(/no email address/);
    expect(await values(shared)).toEqual({ 'cli-news': 'optedOut', 'cli-tracking': 'optedOut' });
    expect(await values(bob)).toEqual({ 'cli-news': 'optedOut', 'cli-tracking': 'optedIn' });
    expect(await values(eve)).toEqual({ 'cli-news': 'optedOut', 'cli-tracking': 'optedIn' });
    expect(await values(alice)).toEqual({ 'cli-news': 'optedIn', 'cli-tracking': 'optedIn' });
    expect(await values(blockedFirst)).toEqual({ 'cli-news': 'optedOut', 'cli-tracking': 'optedOut' });
    expect(await values(filler[10]!)).toEqual({ 'cli-news': 'optedIn', 'cli-tracking': 'optedIn' });

    // rejected rows and plain progress lines (stderr is not a TTY here)
    expect(first.stderr).toMatch(/line 5: /);
    expect(first.stderr).toMatch(/line 9: not a valid CSV row/);
    expect(first.stderr).toMatch(/^sending .*100%.*rows\/s$/m);

    const second = await runCli([file, ...target(['--from', 'contacts', '--chunk', '3'])]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/rows read\s+22\s+rejected 4\s+addresses 16/);
    expect(second.stdout).toMatch(/consent\s+created 0\s+updated 0\s+unchanged 16/);
    expect(second.stdout).toMatch(/tracking\s+created 0\s+updated 0\s+unchanged 16/);
    expect(second.stdout).toMatch(/rows\/s/);
  });

  it('loads a subscription list into a topic with the chosen value', async () => {
    const [a, b] = [uniqueEmail('cli-list'), uniqueEmail('cli-list')];
    const file = join(dir, 'list.csv');
    writeFileSync(file, `email\n${a}\n"${b}"\n${a.toUpperCase()}\n`);
    const run = await runCli([
      file,
      ...target(['--topic', 'cli-weekly', '--from', 'list', '--value', 'optedIn', '--json']),
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      rowsRead: 3,
      rejected: 0,
      consent: { created: 2, updated: 0, unchanged: 0 },
      tracking: { created: 0, updated: 0, unchanged: 0 },
    });
    expect(await values(a)).toEqual({ 'cli-news/cli-weekly': 'optedIn' });
  });

  it('stops before sending anything on bad arguments, a bad header or a refused key', async () => {
    const email = uniqueEmail('cli-refused');
    const file = join(dir, 'refused.csv');
    writeFileSync(file, `email,donotemail\n${email},0\n`);

    const missingColumn = await runCli([file, ...target(['--from', 'contacts'])]);
    expect(missingColumn.code).toBe(2);
    expect(missingColumn.stderr).toMatch(/no column for doNotBulkEmail/);

    const listWithoutValue = await runCli([file, ...target(['--from', 'list'])]);
    expect(listWithoutValue.code).toBe(2);
    expect(listWithoutValue.stderr).toMatch(/--value is required/);

    const unknownPurpose = await runCli([
      file,
      ...target(['--from', 'list', '--value', 'optedIn', '--purpose', 'nope']),
    ]);
    expect(unknownPurpose.code).toBe(2);
    expect(unknownPurpose.stderr).toMatch(/no purpose "nope"/);

    const refused = await runCli([
      file,
      '--profile',
      PROFILE,
      '--purpose',
      'cli-news',
      '--from',
      'list',
      '--value',
      'optedIn',
      '--url',
      inject('hostUrl'),
      '--key',
      'wrong-key',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/function key/);

    expect(await values(email)).toEqual({});
  });

  it('partitions a large file by address on disk, so far-apart rows of one address still merge', async () => {
    const file = join(dir, 'partitioned.csv');
    const rows = ['email,donotemail,donotbulkemail,donottrack'];
    for (let i = 0; i < 400; i++) rows.push(`m${i}@example.com,0,0,0`);
    rows.push('M7@Example.com,0,1,0', 'm8@example.com,0,0,1', 'not an address,0,0,0');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const members = await readMembersFile(file, { from: 'contacts', bytesPerGroup: 1024 });
    try {
      expect(members).toMatchObject({ rows: 403, validRows: 402, rejectedCount: 1 });
      expect(members.rejected).toEqual([{ line: 404, reason: expect.stringMatching(/not an address/) }]);
      const seen = new Map<string, { bits: number; rows: number }>();
      let groups = 0;
      for await (const group of members.groups()) {
        groups++;
        for (const [address, packed] of group) {
          expect(seen.has(address)).toBe(false);
          seen.set(address, unpack(packed));
        }
      }
      expect(groups).toBeGreaterThan(1);
      expect(seen.size).toBe(400);
      expect(seen.get('m7@example.com')).toEqual({ bits: 2, rows: 2 });
      expect(bitsToFlags(seen.get('m8@example.com')!.bits)).toEqual({
        doNotEmail: false,
        doNotBulkEmail: false,
        doNotTrack: true,
      });
      expect(seen.get('m9@example.com')).toEqual({ bits: 0, rows: 1 });
    } finally {
      await members.dispose();
    }
  });
});
