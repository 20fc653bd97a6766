import type { Deployment } from '@deploydb/core';
import type { SoakConfig } from './schema.js';

/**
 * Answers which deployment of a service DeployDB considers current in an environment: the newest
 * one there that is COMPLETED or VERIFIED. Null when there is none, or when DeployDB no longer
 * knows the service or environment (its configuration was reloaded without them).
 */
export type CurrentDeploymentLookup = (where: { service: string; environment: string }, signal: AbortSignal) => Promise<Deployment | null>;

/** One item of `GET /api/services/{name}/environments`. */
interface ServiceInEnvironment {
  environment: string;
  current: Deployment | null;
  inFlight: Deployment | null;
}

/**
 * Looks the current deployment up over DeployDB's own HTTP API
 * (`GET {apiUrl}/api/services/{service}/environments`, role `read`). A plugin is handed no way to
 * read the ledger, so it asks the server it runs in like any other client would. One request per
 * evaluation; it throws when DeployDB does not answer or refuses, so that the kernel retries the
 * evaluation.
 */
export function currentDeploymentOverHttp(config: SoakConfig & { apiUrl: string }): CurrentDeploymentLookup {
  return async ({ service, environment }, signal) => {
    const path = `/api/services/${encodeURIComponent(service)}/environments`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (config.token) headers.authorization = `Bearer ${config.token}`;
    let response: Response;
    try {
      response = await fetch(`${config.apiUrl}${path}`, {
        headers,
        signal: AbortSignal.any([signal, AbortSignal.timeout(config.timeout * 1000)]),
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new Error(`DeployDB's API at ${config.apiUrl} did not answer GET ${path}: ${describe(error)}`, { cause: error });
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      const text = (await response.text().catch(() => '')).slice(0, 300);
      const hint = response.status === 401 || response.status === 403 ? ' (the plugin config `token` needs role read)' : '';
      throw new Error(`DeployDB's API at ${config.apiUrl} answered ${response.status} to GET ${path}${hint}: ${text}`);
    }
    const items = (await response.json()) as ServiceInEnvironment[];
    if (!Array.isArray(items)) throw new Error(`DeployDB's API at ${config.apiUrl} answered GET ${path} with something other than a list`);
    return items.find((item) => item.environment === environment)?.current ?? null;
  };
}

/** fetch hides the reason of a network failure in `cause` (ECONNREFUSED, a timeout). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
