import { operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { ServiceError } from '../shared/errors';
import { register } from '../shared/http';
import { handleMcp } from '../shared/mcp/mcp-server';
import { publicBaseUrl } from '../shared/public-url';
import { getServices } from '../shared/runtime';
import { readBodyBytes } from '../shared/utils/body-bytes';

register(operations.mcp, async ({ request, caller }) => {
  const body = await readBodyBytes(request);
  const webRequest = new Request(request.url, { method: 'POST', headers: request.headers, body });
  return handleMcp(webRequest, {
    caller,
    services: getServices(),
    baseUrl: publicBaseUrl(getConfig(), request.url),
  });
});

register(operations.mcpStream, async () => {
  throw new ServiceError('method-not-allowed', 'This MCP server is stateless: it offers no event stream.');
});
