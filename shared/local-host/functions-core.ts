import Module from 'node:module';

/** What `app.http` hands to the Functions worker: the function's metadata and its handler. */
export interface FunctionRegistration {
  name: string;
  bindings: Record<
    string,
    { type?: string; direction?: string; route?: string; methods?: string[]; authLevel?: string }
  >;
  handler: (...args: unknown[]) => unknown;
}

const CORE_MODULE = '@azure/functions-core';

/**
 * The Functions worker provides the `@azure/functions-core` module, through which `app.http`
 * registers functions. The local host provides the same module, so it serves the very same
 * registrations without any change to the function files. Must run before they are loaded.
 */
export function installFunctionsCore(): FunctionRegistration[] {
  const registrations: FunctionRegistration[] = [];
  const coreApi = {
    version: 'local',
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerFunction: (
      metadata: Omit<FunctionRegistration, 'handler'>,
      handler: FunctionRegistration['handler'],
    ) => {
      registrations.push({ ...metadata, handler });
      return { dispose: () => undefined };
    },
    registerHook: () => ({ dispose: () => undefined }),
    log: (level: string, _category: string, message: string) => {
      if (level === 'error' || level === 'warning') console.error(message);
    },
  };
  const moduleWithResolve = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
  };
  const resolve = moduleWithResolve._resolveFilename;
  moduleWithResolve._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === CORE_MODULE ? CORE_MODULE : resolve.call(this, request, ...rest);
  };
  const coreModule = new Module(CORE_MODULE);
  coreModule.filename = CORE_MODULE;
  coreModule.loaded = true;
  coreModule.exports = coreApi;
  require.cache[CORE_MODULE] = coreModule;
  return registrations;
}
