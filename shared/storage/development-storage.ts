/** Azurite's well-known development account, what `UseDevelopmentStorage=true` stands for. */
const DEVELOPMENT_STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
  'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
  'TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

export function isDevelopmentStorage(connection: string): boolean {
  return /^\s*UseDevelopmentStorage\s*=\s*true\s*;?\s*$/i.test(connection);
}

export function resolveConnectionString(connection: string): string {
  return isDevelopmentStorage(connection) ? DEVELOPMENT_STORAGE : connection;
}

/** The table endpoint's host and port, for the local host to decide whether to start Azurite. */
export function tableEndpointOf(connection: string): URL | undefined {
  const match = /(?:^|;)\s*TableEndpoint\s*=\s*([^;]+)/i.exec(resolveConnectionString(connection));
  return match?.[1] ? new URL(match[1].trim()) : undefined;
}
