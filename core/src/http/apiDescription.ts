import { DeployDbError } from '../errors.js';
import { LICENSE, VERSION } from '../version.js';
import type { ApiContext } from './apiContext.js';
import { openApiDocument } from './openapi.js';
import { apiRoutes } from './routes/index.js';

/**
 * The /openapi.json document, made without a server: the build of the dashboard generates its
 * typed API client from it (`core/scripts/openapi.mjs` prints it). `authEnabled` describes the
 * bearer security of a server that has `auth` configured.
 */
export function describeApi(options: { authEnabled?: boolean } = {}): unknown {
  return openApiDocument(apiRoutes(detachedApi()), { version: VERSION, license: LICENSE, authEnabled: options.authEnabled ?? true });
}

/**
 * Routes reach their dependencies only while handling a request, so a description needs none:
 * every dependency here is a function that refuses to run.
 */
function detachedApi(): ApiContext {
  const refuse = () => {
    throw new DeployDbError('unavailable', 'this API description has no server behind it');
  };
  return new Proxy({} as ApiContext, { get: () => refuse });
}
