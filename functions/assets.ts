import type { HttpResponseInit } from '@azure/functions';
import { operations } from '../shared/api';
import { NotFoundError } from '../shared/errors';
import { register } from '../shared/http';
import { findAsset } from '../shared/web/assets';

register(operations.asset, async ({ params, request }): Promise<HttpResponseInit> => {
  const asset = findAsset(params.path);
  if (!asset) throw new NotFoundError('No such file.');
  if (request.headers.get('if-none-match') === asset.etag)
    return { status: 304, headers: { etag: asset.etag } };
  return {
    status: 200,
    headers: {
      'content-type': asset.contentType,
      etag: asset.etag,
      'cache-control': 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    },
    body: asset.body,
  };
});
