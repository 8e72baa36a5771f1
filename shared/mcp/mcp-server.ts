import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { ServiceError } from '../errors';
import { issueDetails } from '../utils/issue-details';
import { TOOLS, type ToolContext, type ToolDefinition } from './mcp-tools';

const SERVER_INFO = { name: 'consent-service', version: '1.0.0' };

/** One validator for every request: the SDK would build a new Ajv per server otherwise (~0.2 ms). */
const validator = new AjvJsonSchemaValidator();

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Tool['inputSchema'];

/** The tools as `tools/list` shows them: computed once per process. */
export const TOOL_LIST: Tool[] = TOOLS.map((t: ToolDefinition) => ({
  name: t.name,
  title: t.title,
  description: t.description,
  inputSchema: jsonSchema(t.input, 'input'),
  outputSchema: jsonSchema(t.output, 'output') as Tool['outputSchema'],
  annotations: { title: t.title, readOnlyHint: t.readOnly, destructiveHint: false, openWorldHint: false },
}));
const byName = new Map<string, ToolDefinition>(TOOLS.map((t: ToolDefinition) => [t.name, t]));

/** Errors of the service, not of the call: storage unreachable or too contended (a 503 over HTTP). */
const SERVER_SIDE = new Set(['storage-unavailable', 'storage-contention']);

const toolError = (text: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text }] });

/**
 * A tool call: arguments checked with the route's own schema, the service called as the HTTP route
 * would. Anything the route would answer with a 4xx is a tool result with `isError` and what is
 * wrong; storage failing is a JSON-RPC error (an agent must not read it as an answer).
 */
async function callTool(params: unknown, context: ToolContext): Promise<CallToolResult> {
  const { name, arguments: args } = (params ?? {}) as { name?: unknown; arguments?: unknown };
  const definition = typeof name === 'string' ? byName.get(name) : undefined;
  if (!definition) return toolError(`There is no tool "${String(name)}".`);
  const parsed = definition.input.safeParse(args ?? {});
  if (!parsed.success) {
    const problems = issueDetails(parsed.error.issues).map((d) => `${d.path || '(arguments)'}: ${d.message}`);
    return toolError(`The arguments of ${definition.name} are not valid: ${problems.join('; ')}.`);
  }
  try {
    const { structured, text } = await definition.run(parsed.data, context);
    return { content: [{ type: 'text', text }], structuredContent: structured as Record<string, unknown> };
  } catch (error) {
    if (error instanceof ServiceError && !SERVER_SIDE.has(error.code)) {
      const details = error.details.map((d) => `${d.path}: ${d.message}`);
      return toolError(details.length ? `${error.message} ${details.join('; ')}` : error.message);
    }
    if (error instanceof ServiceError) throw new McpError(ErrorCode.InternalError, error.message);
    throw error;
  }
}

function buildServer(context: ToolContext): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: {} },
    jsonSchemaValidator: validator,
    instructions:
      'Consent for marketing messages. Call check_consent right before each message you send and send only when its decision is "sent"; never cache its answer. Use get_unsubscribe_link for the links a message must carry, and record_consent when a person tells you what they want.',
  });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOL_LIST }));
  // tools/call is handled here rather than through the SDK's request schema, so that arguments of
  // any shape (an array, a string) are a tool error like any other bad argument.
  server.fallbackRequestHandler = async (request) => {
    if (request.method === 'tools/call') return callTool(request.params, context);
    throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${request.method}`);
  };
  return server;
}

/**
 * One MCP request over Streamable HTTP, stateless with JSON answers: a server and transport per
 * request (the Functions host keeps no session between invocations).
 */
export async function handleMcp(request: Request, context: ToolContext): Promise<HttpResponseInit> {
  const server = buildServer(context);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(request);
    const body = response.status === 202 ? undefined : await response.text();
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      ...(body !== undefined && body !== '' ? { body } : {}),
    };
  } finally {
    await server.close();
  }
}
