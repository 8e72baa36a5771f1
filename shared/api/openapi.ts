import { z } from 'zod';
import { operations, type Operation } from './index';
import { problemSchema } from './common/common.schemas';

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  });
  return rest;
}

function parametersOf(op: Operation): unknown[] {
  const parameters: unknown[] = [];
  const add = (where: 'path' | 'query', schema: z.ZodType | undefined) => {
    if (!schema) return;
    const json = schemaOf(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      parameters.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema: property,
      });
    }
  };
  add('path', op.params);
  add('query', op.query);
  if (op.authLevel === 'function') {
    parameters.push({
      name: 'code',
      in: 'query',
      required: false,
      schema: { type: 'string' },
      description: 'Function key, if not sent as x-functions-key',
    });
  }
  return parameters;
}

/** A Functions route as an OpenAPI path: `{*path}` and `{id:guid}` are both `{name}` there. */
export function openApiPath(route: string): string {
  return `/api/${route.replace(/\{\*?(\w+)[^}]*\}/g, '{$1}')}`;
}

let cached: Record<string, unknown> | undefined;

/** The OpenAPI 3.1 document, generated from the zod schemas that validate requests. */
export function buildOpenApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of Object.values(operations) as Operation[]) {
    const path = openApiPath(op.route);
    // What every route with a JSON body can also answer, from the host and the body reader.
    const bodyProblems = op.body
      ? {
          413: { description: 'The body is larger than 4 MiB', schema: problemSchema },
          415: { description: 'The body is not application/json', schema: problemSchema },
        }
      : {};
    const responseEntries: Array<
      [string, { description: string; schema?: z.ZodType; contentType?: string }]
    > = Object.entries({ ...bodyProblems, ...op.responses });
    const responses = Object.fromEntries(
      responseEntries.map(([status, r]) => {
        const type =
          r.contentType ?? (Number(status) >= 400 ? 'application/problem+json' : 'application/json');
        const content = r.schema
          ? { [type]: { schema: schemaOf(r.schema, 'output') } }
          : r.contentType
            ? { [type]: { schema: { type: 'string' } } }
            : undefined;
        return [status, { description: r.description, ...(content ? { content } : {}) }];
      }),
    );
    paths[path] ??= {};
    paths[path][op.method.toLowerCase()] = {
      operationId: op.name,
      summary: op.summary,
      parameters: parametersOf(op),
      ...(op.body || op.mediaTypes
        ? {
            requestBody: {
              required: op.body !== undefined,
              content: Object.fromEntries(
                Object.entries(op.mediaTypes ?? { 'application/json': op.body! }).map(([type, schema]) => [
                  type,
                  { schema: schemaOf(schema, 'input') },
                ]),
              ),
            },
          }
        : {}),
      responses:
        op.authLevel === 'function'
          ? { ...responses, 401: { description: 'Missing or wrong function key' } }
          : responses,
      ...(op.authLevel === 'function'
        ? { security: [{ functionKey: [] }, { functionKeyQuery: [] }] }
        : { security: [] }),
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Consent service',
      version: '1.0.0',
      description: 'Contact point consent for marketing messages.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        functionKey: { type: 'apiKey', in: 'header', name: 'x-functions-key' },
        functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code' },
      },
    },
  };
  return cached;
}
