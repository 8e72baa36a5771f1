/*
 * The whole send decision against the raw storage work it needs (issue 24): checks under a profile
 * with quiet times and caps configured, a tenth of the addresses suppressed, against raw point
 * reads (no extra read); capped sends (a read and a conditional merge of the send log each)
 * against a raw read plus a conditional merge of a property of the same size.
 */
import { TableClient } from '@azure/data-tables';
import { contactPointKey, STATE_ROW_KEY } from '../../shared/storage/keys';
import { median, rate } from './measure';

const POPULATION = 1000;
const CAPPED = 2000;

export interface SendDecisionBenchContext {
  connection: string;
  prefix: string;
  call: (path: string, body: unknown, method?: string) => Promise<any>;
  batchSize: number;
  batchesInFlight: number;
  readsInFlight: number;
  measureMs: number;
  rounds: (named: Array<[string, () => Promise<number>, string]>) => Promise<unknown>;
}

const purposes = (prefix: string) => [
  { id: `${prefix}-promo`, name: 'Promo', type: 'commercial', enforcement: 'nonRestrictive' },
  { id: `${prefix}-orders`, name: 'Orders', type: 'transactional', enforcement: 'nonRestrictive' },
  { id: `${prefix}-track`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
];

export async function benchSendDecision(ctx: SendDecisionBenchContext): Promise<Record<string, string>> {
  const table = TableClient.fromConnectionString(ctx.connection, `${ctx.prefix}Consents`, {
    allowInsecureConnection: true,
  });
  // Quiet times that are evaluated for every message (texts on weekdays, a date far ahead) but do
  // not hold email now, and caps that are never reached here.
  await ctx.call(
    '/api/profiles/bench-rules',
    {
      name: 'Rules',
      purposes: purposes('rules'),
      quietTimes: {
        timeZone: 'Europe/Berlin',
        rules: [
          {
            channels: ['sms'],
            purposeTypes: ['commercial'],
            days: ['mon', 'tue', 'wed', 'thu', 'fri'],
            from: '20:00',
            to: '08:00',
          },
          { channels: ['email'], purposeTypes: ['transactional'], days: ['sun'], from: '00:00', to: '00:00' },
        ],
        dates: [{ from: '2099-12-24', to: '2099-12-26' }],
      },
      frequencyCaps: { sms: { day: 1 } },
    },
    'PUT',
  );
  await ctx.call(
    '/api/profiles/bench-capped',
    { name: 'Capped', purposes: purposes('capped'), frequencyCaps: { email: { day: 200, week: 200 } } },
    'PUT',
  );
  const rules = Array.from({ length: POPULATION }, (_, i) => `rules.${i}@example.com`);
  for (let i = 0; i < rules.length; i += 500) {
    await ctx.call('/api/consents', {
      records: rules.slice(i, i + 500).flatMap((contactPoint) => [
        { channel: 'email', contactPoint, purposeId: 'rules-promo', value: 'optedIn' },
        { channel: 'email', contactPoint, purposeId: 'rules-track', value: 'optedIn' },
      ]),
    });
  }
  await ctx.call('/api/suppressions', {
    suppressions: rules
      .filter((_, i) => i % 10 === 0)
      .map((contactPoint) => ({ channel: 'email', contactPoint, kind: 'hardBounce' })),
  });
  const pick = (addresses: readonly string[]) => addresses[Math.floor(Math.random() * addresses.length)]!;
  const checks = (addresses: readonly string[], profileId: string, purposeId: string) =>
    rate(ctx.batchesInFlight, ctx.measureMs, async () => {
      const messages = Array.from({ length: ctx.batchSize }, (_, i) => ({
        messageId: `m${i}`,
        channel: 'email',
        contactPoint: pick(addresses),
        profileId,
        purposeId,
      }));
      const { decisions } = await ctx.call('/api/check', { messages });
      return decisions.length;
    });
  const rawReads = (addresses: readonly string[]) =>
    rate(ctx.readsInFlight, ctx.measureMs, async () => {
      await table.getEntity(contactPointKey('email', pick(addresses)), STATE_ROW_KEY);
      return 1;
    });

  // Capped sends: the contact points exist (their consent read), the send log grows with each send.
  const capped = Array.from({ length: CAPPED }, (_, i) => `capped.${i}@example.com`);
  const raw = Array.from({ length: CAPPED }, (_, i) => `capped.raw.${i}@example.com`);
  for (const list of [capped, raw]) {
    for (let i = 0; i < list.length; i += 500) {
      await ctx.call('/api/consents', {
        records: list.slice(i, i + 500).map((contactPoint) => ({
          channel: 'email',
          contactPoint,
          purposeId: 'capped-promo',
          value: 'optedIn',
        })),
      });
    }
  }
  // The raw counterpart: read the state, merge a send log of the same shape with its ETag.
  const rawLogs = new Map<string, number[]>();
  const rawReadMerge = () =>
    rate(ctx.readsInFlight, ctx.measureMs, async () => {
      const address = pick(raw);
      const partitionKey = contactPointKey('email', address);
      const state = await table.getEntity(partitionKey, STATE_ROW_KEY);
      const log = [...(rawLogs.get(address) ?? []), Date.now()].slice(-200);
      try {
        await table.updateEntity(
          { partitionKey, rowKey: STATE_ROW_KEY, f: JSON.stringify({ 'bench-capped': log }) },
          'Merge',
          { etag: state.etag },
        );
        rawLogs.set(address, log);
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 412) throw error;
      }
      return 1;
    });
  const named: Array<[string, () => Promise<number>, string]> = [
    ['raw getEntity, rules population (reads/s)', () => rawReads(rules), 'reads/s'],
    [
      'check with suppressions and quiet times (decisions/s)',
      () => checks(rules, 'bench-rules', 'rules-promo'),
      'decisions/s',
    ],
    ['raw getEntity + conditional merge (/s)', rawReadMerge, '/s'],
    [
      'check, capped sends (decisions/s)',
      () => checks(capped, 'bench-capped', 'capped-promo'),
      'decisions/s',
    ],
  ];
  const samples = (await ctx.rounds(named)) as number[][];
  const results = Object.fromEntries(named.map(([name], i) => [name, median(samples[i]!)]));
  const ratio = (a: string, b: string) => (results[a]! / results[b]!).toFixed(2);
  return {
    'check-rules/raw-read': ratio(
      'check with suppressions and quiet times (decisions/s)',
      'raw getEntity, rules population (reads/s)',
    ),
    'check-capped/raw-read+merge': ratio(
      'check, capped sends (decisions/s)',
      'raw getEntity + conditional merge (/s)',
    ),
  };
}
