import type { TestProject } from 'vitest/node';
import { chromiumArgs, unpackChromium } from './chromium';
import { startAzurite, startHost } from './processes';

export const FUNCTION_KEY = 'test-function-key';

declare module 'vitest' {
  export interface ProvidedContext {
    hostUrl: string;
    storageConnection: string;
    functionKey: string;
  }
}

/**
 * One in-memory Azurite and one local host for the integration tests, on free ports, and the
 * browser unpacked once for the page tests.
 */
export default async function setup(project: TestProject) {
  project.provide('chromiumPath', await unpackChromium());
  project.provide('chromiumArgs', await chromiumArgs());
  const azurite = await startAzurite({ port: 0 });
  const host = await startHost({
    AzureWebJobsStorage: azurite.connectionString,
    LOCAL_FUNCTION_KEY: FUNCTION_KEY,
    CONSENT_TABLE_PREFIX: 'itest',
    PROFILE_CACHE_SECONDS: '0',
  });
  project.provide('hostUrl', host.url);
  project.provide('storageConnection', azurite.connectionString);
  project.provide('functionKey', FUNCTION_KEY);
  return async () => {
    await host.stop();
    await azurite.stop();
  };
}
