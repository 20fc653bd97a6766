import type { Deployment, LedgerService } from '@deploydb/core';

/**
 * Answers which deployment of a service DeployDB considers current in an environment. Null when
 * there is none, or when DeployDB no longer knows the service or environment (its configuration
 * was reloaded without them).
 */
export type CurrentDeploymentLookup = (where: { service: string; environment: string }, signal: AbortSignal) => Promise<Deployment | null>;

/**
 * Looks the current deployment up in the ledger the plugin depends on (`coreServices.ledger`):
 * the service across the environments of its pipelines, then the one asked about. A read of the
 * database DeployDB runs on, no request over the network; a failure throws, so that the kernel
 * evaluates again later.
 */
export function currentDeploymentFromLedger(ledger: Pick<LedgerService, 'serviceAcross'>): CurrentDeploymentLookup {
  return async ({ service, environment }, signal) => {
    signal.throwIfAborted();
    const environments = await ledger.serviceAcross(service);
    return environments.find((item) => item.environment === environment)?.current ?? null;
  };
}
