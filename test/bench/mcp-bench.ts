/*
 * AI agents (issue 25): a one-message check through the MCP server (a JSON-RPC tools/call of
 * check_consent, as any MCP client sends it) against the same message through /api/check, call by
 * call interleaved, p50 of each.
 */
import { percentile } from './measure';

export async function benchMcp(ctx: {
  url: string;
  address: (i: number) => string;
  population: number;
  calls: number;
}): Promise<Record<string, string>> {
  const message = (i: number) => ({
    channel: 'email',
    contactPoint: ctx.address(i % ctx.population),
    profileId: 'bench',
    purposeId: 'bench-promo',
  });
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${ctx.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as any;
  };
  const viaHttp = async (i: number) => {
    const { decisions } = await post('/api/check', {
      dryRun: true,
      messages: [{ messageId: 'm', ...message(i) }],
    });
    return decisions[0].decision as string;
  };
  const viaMcp = async (i: number) => {
    const answer = await post(
      '/api/mcp',
      {
        jsonrpc: '2.0',
        id: i,
        method: 'tools/call',
        params: { name: 'check_consent', arguments: message(i) },
      },
      { accept: 'application/json, text/event-stream' },
    );
    if (answer.result?.isError) throw new Error(JSON.stringify(answer.result.content));
    return answer.result.structuredContent.decision as string;
  };
  for (let i = 0; i < 200; i++) {
    if ((await viaHttp(i)) !== (await viaMcp(i))) throw new Error('MCP and /api/check disagree');
  }
  const times = { http: [] as number[], mcp: [] as number[] };
  for (let i = 0; i < ctx.calls; i++) {
    const [first, second] = i % 2 ? (['http', 'mcp'] as const) : (['mcp', 'http'] as const);
    for (const which of [first, second]) {
      const started = performance.now();
      await (which === 'http' ? viaHttp(i) : viaMcp(i));
      times[which].push(performance.now() - started);
    }
  }
  const http = percentile(times.http, 50);
  const mcp = percentile(times.mcp, 50);
  console.log(`${'check, one message, dry run, p50 (ms)'.padEnd(44)} ${http.toFixed(2).padStart(9)} ms`);
  console.log(`${'MCP check_consent, one message, p50 (ms)'.padEnd(44)} ${mcp.toFixed(2).padStart(9)} ms`);
  return { 'mcp-check/check': (mcp / http).toFixed(2) };
}
