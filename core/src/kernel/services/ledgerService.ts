import type { LedgerPageRequest, LedgerService } from '../../plugin-api/coreServices.js';
import type { LedgerReads } from '../../store/ledgerReads.js';
import type { PlacementReads } from '../../store/placementReads.js';
import type { ModelIndex } from '../../config/modelIndex.js';

const MAX_LIMIT = 500;

const pageOf = (page: LedgerPageRequest = {}) => ({ after: Math.max(0, page.after ?? 0), limit: Math.min(MAX_LIMIT, Math.max(1, page.limit ?? 50)) });

/**
 * The read-only ledger plugins get (`coreServices.ledger`): the reads the HTTP API answers from,
 * with the configuration that is current (a reload changes which environments a service has).
 */
export function ledgerService(reads: LedgerReads, placements: PlacementReads, model: () => ModelIndex): LedgerService {
  return Object.freeze({
    artifact: (id) => reads.artifact(id),
    latestArtifact: (group, name) => reads.latestArtifact(group, name),
    async artifacts(filter = {}, page) {
      const { rows, more } = await reads.artifacts(filter, pageOf(page));
      return { items: rows, more };
    },
    deployment: (id) => reads.deployment(id),
    async deployments(filter = {}, page) {
      const { rows, more } = await reads.deployments(filter, pageOf(page));
      return { items: rows, more };
    },
    flow: (id) => reads.flow(id),
    async flows(filter = {}, page) {
      const { rows, more } = await reads.flows(filter, pageOf(page));
      return { items: rows, more };
    },
    currentIn: (environment, options = {}) => placements.currentIn(environment, options.at),
    async serviceAcross(service, options = {}) {
      const index = model();
      const config = index.services.get(service);
      if (!config) return [];
      return placements.serviceIn(config.key, index.environmentsOf(config), options.at);
    },
    async history(service, environment, options = {}) {
      const { rows, next } = await placements.history(service, environment, { after: options.before ?? null, limit: Math.min(MAX_LIMIT, Math.max(1, options.limit ?? 50)) });
      return { items: rows, next };
    },
  } satisfies LedgerService);
}
