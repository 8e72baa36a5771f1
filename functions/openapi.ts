import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { json } from '../shared/http';
import { buildOpenApiDocument } from '../shared/openapi';

export async function getOpenApi(_request: HttpRequest): Promise<HttpResponseInit> {
  return json(buildOpenApiDocument());
}

const op = operations.openapi;
app.http(op.name, httpOptions(op, getOpenApi));
