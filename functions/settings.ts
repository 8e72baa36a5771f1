import { operations } from '../shared/api';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';

register(operations.getSettings, async () => json(await getServices().catalog.getSettings()));

register(operations.putSettings, async ({ body }) => json(await getServices().catalog.putSettings(body)));
