import { adminOperations } from './admin/admin.routes';
import { centersOperations } from './centers/centers.routes';
import { checkOperations } from './check/check.routes';
import { cijOperations } from './cij/cij.routes';
import { consentsOperations } from './consents/consents.routes';
import { dataverseOperations } from './dataverse/dataverse.routes';
import { feedOperations } from './feed/feed.routes';
import { linksOperations } from './links/links.routes';
import { mcpOperations } from './mcp/mcp.routes';
import { platformOperations } from './platform/platform.routes';
import { smsOperations } from './sms/sms.routes';
import { statsOperations } from './stats/stats.routes';
import { subjectsOperations } from './subjects/subjects.routes';
import { webhooksOperations } from './webhooks/webhooks.routes';
import { deliverabilityOperations } from './deliverability/deliverability.routes';

export type { Operation } from './common/operation';

/**
 * Every route of the service, by area: the functions register from here, openapi.json is generated
 * from here, and the access, fuzz and limit tests walk it (so a new route cannot be forgotten).
 */
export const operations = {
  ...platformOperations,
  ...consentsOperations,
  ...checkOperations,
  ...centersOperations,
  ...feedOperations,
  ...linksOperations,
  ...adminOperations,
  ...smsOperations,
  ...dataverseOperations,
  ...subjectsOperations,
  ...deliverabilityOperations,
  ...mcpOperations,
  ...cijOperations,
  ...webhooksOperations,
  ...statsOperations,
};
