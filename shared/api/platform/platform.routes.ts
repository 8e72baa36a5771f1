import { z } from 'zod';
import { problemSchema } from '../common/common.schemas';
import { invalid, unavailable, notFound, page, type Operation } from '../common/operation';
import {
  assetParamsSchema,
  healthSchema,
  profileBodySchema,
  profileListSchema,
  profileParamsSchema,
  profileSchema,
  settingsSchema,
} from './platform.schemas';

export const platformOperations = {
  health: {
    name: 'health',
    method: 'GET',
    route: 'health',
    authLevel: 'anonymous',
    summary: 'Service and storage health',
    responses: {
      200: { description: 'Storage answers', schema: healthSchema },
      503: { description: 'Storage cannot be reached', schema: healthSchema },
    },
  },
  openapi: {
    name: 'openapi',
    method: 'GET',
    route: 'openapi.json',
    authLevel: 'anonymous',
    summary: 'This OpenAPI 3.1 document',
    responses: { 200: { description: 'The document' } },
  },
  listProfiles: {
    name: 'listProfiles',
    method: 'GET',
    route: 'profiles',
    authLevel: 'function',
    summary: 'List compliance profiles',
    responses: { 200: { description: 'Every profile', schema: profileListSchema }, ...unavailable },
  },
  getProfile: {
    name: 'getProfile',
    method: 'GET',
    route: 'profiles/{profileId}',
    authLevel: 'function',
    summary: 'Read a compliance profile',
    params: profileParamsSchema,
    responses: { 200: { description: 'The profile', schema: profileSchema }, ...notFound, ...unavailable },
  },
  putProfile: {
    name: 'putProfile',
    method: 'PUT',
    route: 'profiles/{profileId}',
    authLevel: 'function',
    summary: 'Create or replace a compliance profile',
    params: profileParamsSchema,
    body: profileBodySchema,
    // The schema and the profile's shape rules are checked together, so one 400 names every problem.
    parse: { body: z.unknown() },
    responses: {
      200: { description: 'Replaced', schema: profileSchema },
      201: { description: 'Created', schema: profileSchema },
      ...invalid,
      409: {
        description: 'A purpose or topic id, or a text message number, belongs to another profile',
        schema: problemSchema,
      },
      ...unavailable,
    },
  },
  getSettings: {
    name: 'getSettings',
    method: 'GET',
    route: 'settings',
    authLevel: 'function',
    summary: 'Environment settings',
    responses: { 200: { description: 'The settings', schema: settingsSchema }, ...unavailable },
  },
  putSettings: {
    name: 'putSettings',
    method: 'PUT',
    route: 'settings',
    authLevel: 'function',
    summary: 'Change environment settings',
    body: settingsSchema,
    responses: { 200: { description: 'The settings', schema: settingsSchema }, ...invalid, ...unavailable },
  },
  asset: {
    name: 'asset',
    method: 'GET',
    route: 'assets/{name}',
    authLevel: 'anonymous',
    summary: "The pages' static files (style sheets, scripts)",
    params: assetParamsSchema,
    errors: 'page',
    responses: { 200: { description: 'The file' }, 404: page('No such file') },
  },
} satisfies Record<string, Operation>;
