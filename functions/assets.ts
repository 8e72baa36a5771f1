import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { linkErrorPage } from '../shared/links/pages';
import { findAsset } from '../shared/web/assets';
import { pageResponse } from '../shared/web/page-http';

export async function getAsset(request: HttpRequest): Promise<HttpResponseInit> {
  const asset = findAsset(request.params.name ?? '');
  if (!asset) return pageResponse(404, linkErrorPage(404));
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
}

const op = operations.asset;
app.http(op.name, httpOptions(op, getAsset));
