import { z } from 'zod';
import type { ConsentRecordInput } from '../api/consents/consents.schemas';
import type { Catalog } from '../domain/catalog';
import { ValidationError, type ErrorDetail } from '../errors';
import { issueDetails } from '../utils/issue-details';
import {
  CHANNEL_CODES,
  CONSENT_TYPE_CODES,
  REASON_CODES,
  SOURCE_CODES,
  STATE_CODES,
  STATUS_CODES,
  VALUE_CODES,
  nameOf,
} from './codes';
import { catalogGuids, PURPOSE_SET, TOPIC_SET } from './entities';

/* What a Dataverse client may write on a consent row, read as the native record it stands for. */

const optionCode = (codes: Record<string, number>, column: string) =>
  z
    .number()
    .int()
    .refine((code) => Object.values(codes).includes(code), `not a value of the ${column} option set`);
const bind = z.string().max(500);

/** What a client may write on a consent row; anything else is refused, as Dataverse does. */
export const consentBodySchema = z.strictObject({
  '@odata.type': z.string().optional(),
  msdynmkt_contactpointvalue: z.string().min(1).max(400).optional(),
  msdynmkt_contactpointtype: optionCode(CHANNEL_CODES, 'msdynmkt_contactpointtype').optional(),
  msdynmkt_contactpointconsenttype: optionCode(
    CONSENT_TYPE_CODES,
    'msdynmkt_contactpointconsenttype',
  ).optional(),
  msdynmkt_value: optionCode(VALUE_CODES, 'msdynmkt_value').optional(),
  msdynmkt_source: optionCode(SOURCE_CODES, 'msdynmkt_source').optional(),
  msdynmkt_logicalreason: optionCode(REASON_CODES, 'msdynmkt_logicalreason').optional(),
  msdynmkt_reason: z.string().max(500).nullable().optional(),
  msdynmkt_modifiedonbehalf: z.string().max(256).nullable().optional(),
  statecode: optionCode(STATE_CODES, 'statecode').optional(),
  statuscode: optionCode(STATUS_CODES, 'statuscode').optional(),
  'msdynmkt_purposeId@odata.bind': bind.optional(),
  'msdynmkt_topicId@odata.bind': bind.nullable().optional(),
  'ownerid@odata.bind': bind.optional(),
});
export type ConsentBody = z.infer<typeof consentBodySchema>;

/** The GUID a `@odata.bind` names: `/msdynmkt_purposes(<guid>)`, with or without the slash or a base URL. */
export function boundGuid(value: string, set: string, path: string): string {
  const match = new RegExp(
    `(?:^|/)${set}\\(([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\\)$`,
  ).exec(value.trim());
  if (!match)
    throw new ValidationError('A lookup is not valid.', [{ path, message: `bind it as /${set}(<guid>)` }]);
  return match[1]!.toLowerCase();
}

export function parseBody(body: unknown): ConsentBody {
  const parsed = consentBodySchema.safeParse(body);
  if (!parsed.success) {
    const unknown = parsed.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys' ? issue.keys : [],
    );
    if (unknown.length > 0) {
      throw new ValidationError(
        `The property '${unknown[0]}' does not exist on type 'Microsoft.Dynamics.CRM.msdynmkt_contactpointconsent4', or cannot be written.`,
        issueDetails(parsed.error.issues),
      );
    }
    throw new ValidationError('The row is not valid.', issueDetails(parsed.error.issues));
  }
  if (
    parsed.data.statecode !== undefined &&
    parsed.data.statuscode !== undefined &&
    nameOf(STATE_CODES, parsed.data.statecode) !== nameOf(STATUS_CODES, parsed.data.statuscode)
  ) {
    throw new ValidationError('The row is not valid.', [
      { path: 'statuscode', message: 'does not go with statecode' },
    ]);
  }
  return parsed.data;
}

/** The consent fields a body sets (only those it names). */
export function fieldsOf(body: ConsentBody): Partial<ConsentRecordInput> {
  const status =
    body.statecode !== undefined
      ? nameOf(STATE_CODES, body.statecode)
      : body.statuscode !== undefined
        ? nameOf(STATUS_CODES, body.statuscode)
        : undefined;
  return {
    ...(body.msdynmkt_source !== undefined ? { source: nameOf(SOURCE_CODES, body.msdynmkt_source)! } : {}),
    ...(body.msdynmkt_logicalreason !== undefined
      ? { reason: nameOf(REASON_CODES, body.msdynmkt_logicalreason)! }
      : {}),
    ...(body.msdynmkt_reason !== undefined ? { reasonDescription: body.msdynmkt_reason ?? undefined } : {}),
    ...(status ? { status } : {}),
    ...(body['ownerid@odata.bind'] !== undefined
      ? { owner: boundGuid(body['ownerid@odata.bind'], 'systemusers', 'ownerid@odata.bind') }
      : {}),
  };
}

/** The purpose and topic a new row binds to, checked against each other and the consent type. */
export function boundTarget(body: ConsentBody, catalog: Catalog): { purposeId: string; topicId?: string } {
  const guids = catalogGuids(catalog);
  const purposeGuid = boundGuid(
    body['msdynmkt_purposeId@odata.bind']!,
    PURPOSE_SET,
    'msdynmkt_purposeId@odata.bind',
  );
  const purpose = guids.purposes.get(purposeGuid);
  if (!purpose)
    throw new ValidationError('The purpose does not exist.', [
      {
        path: 'msdynmkt_purposeId@odata.bind',
        message: `msdynmkt_purpose With Id = ${purposeGuid} Does Not Exist`,
      },
    ]);
  const topicBind = body['msdynmkt_topicId@odata.bind'];
  const wantsTopic = body.msdynmkt_contactpointconsenttype === CONSENT_TYPE_CODES.topic;
  if (topicBind === undefined || topicBind === null) {
    if (wantsTopic)
      throw new ValidationError('A topic row needs its topic.', [
        {
          path: 'msdynmkt_topicId@odata.bind',
          message: 'required when msdynmkt_contactpointconsenttype is topic (534120001)',
        },
      ]);
    return { purposeId: purpose.purpose.id };
  }
  const topicGuid = boundGuid(topicBind, TOPIC_SET, 'msdynmkt_topicId@odata.bind');
  const topic = guids.topics.get(topicGuid);
  if (!topic)
    throw new ValidationError('The topic does not exist.', [
      {
        path: 'msdynmkt_topicId@odata.bind',
        message: `msdynmkt_topic With Id = ${topicGuid} Does Not Exist`,
      },
    ]);
  if (topic.purpose.id !== purpose.purpose.id)
    throw new ValidationError('The topic is not under that purpose.', [
      { path: 'msdynmkt_topicId@odata.bind', message: 'the topic belongs to another purpose' },
    ]);
  if (body.msdynmkt_contactpointconsenttype === CONSENT_TYPE_CODES.purpose)
    throw new ValidationError('A purpose row names no topic.', [
      {
        path: 'msdynmkt_contactpointconsenttype',
        message: 'is purpose (534120000) while a topic is bound',
      },
    ]);
  return { purposeId: purpose.purpose.id, topicId: topic.topic.id };
}

/** The record a body that names every identifying column creates. */
export function createInput(parsed: ConsentBody, catalog: Catalog): ConsentRecordInput {
  const problems: ErrorDetail[] = [];
  const need = (field: keyof ConsentBody, message: string) => {
    if (parsed[field] === undefined) problems.push({ path: field, message });
  };
  need('msdynmkt_contactpointvalue', 'the contact point is required');
  need('msdynmkt_contactpointtype', 'the channel is required');
  need('msdynmkt_value', 'the consent value is required');
  need('msdynmkt_purposeId@odata.bind', 'the purpose is required: msdynmkt_purposeId@odata.bind');
  if (problems.length > 0) throw new ValidationError('The row cannot be created.', problems);
  const target = boundTarget(parsed, catalog);
  return {
    channel: nameOf(CHANNEL_CODES, parsed.msdynmkt_contactpointtype!)!,
    contactPoint: parsed.msdynmkt_contactpointvalue!,
    ...target,
    ...fieldsOf(parsed),
    value: nameOf(VALUE_CODES, parsed.msdynmkt_value!)!,
  } as ConsentRecordInput;
}
