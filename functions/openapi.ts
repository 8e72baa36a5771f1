import { operations } from '../shared/api';
import { buildOpenApiDocument } from '../shared/api/openapi';
import { json, register } from '../shared/http';

register(operations.openapi, async () => json(buildOpenApiDocument()));
