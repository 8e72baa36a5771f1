import { z } from 'zod';
import { problemSchema } from '../common/common.schemas';
import { tooLarge, type Operation } from '../common/operation';

const jsonRpc = z
  .record(z.string(), z.unknown())
  .describe('a JSON-RPC 2.0 message of the Model Context Protocol (initialize, tools/list, tools/call)');

/** AI agents: an MCP server over Streamable HTTP, stateless, answering in JSON. */
export const mcpOperations = {
  mcp: {
    name: 'mcp',
    method: 'POST',
    route: 'mcp',
    authLevel: 'function',
    access: 'Consent.Check',
    summary:
      'Model Context Protocol server (Streamable HTTP, stateless): tools check_consent, get_unsubscribe_link, get_contactability, record_consent',
    body: jsonRpc,
    // Read by the MCP transport itself.
    read: 'raw',
    responses: {
      200: { description: 'The JSON-RPC answer', schema: jsonRpc },
      202: { description: 'A notification, accepted' },
      400: { description: 'Not JSON-RPC, or a batch', schema: jsonRpc },
      406: { description: 'Accept does not allow application/json and text/event-stream', schema: jsonRpc },
      ...tooLarge,
    },
  },
  mcpStream: {
    name: 'mcpStream',
    method: 'GET',
    route: 'mcp',
    authLevel: 'function',
    access: 'Consent.Check',
    summary: 'No server-sent event stream: the server is stateless (405, as the protocol allows)',
    responses: { 405: { description: 'No stream is offered', schema: problemSchema } },
  },
} satisfies Record<string, Operation>;
