import type { ApiContext } from '../apiContext.js';
import type { RouteSpec } from '../route.js';
import { artifactRoutes } from './artifacts.js';
import { auditRoutes } from './audit.js';
import { configurationRoutes } from './configuration.js';
import { dashboardRoutes } from './dashboard.js';
import { deploymentRoutes } from './deployments.js';
import { doraRoutes } from './dora.js';
import { eventRoutes } from './events.js';
import { flowRoutes } from './flows.js';
import { identityRoutes } from './identity.js';
import { placementRoutes } from './placements.js';
import { systemRoutes } from './system.js';
import { triggerRoutes } from './triggers.js';
import { webhookRoutes } from './webhooks.js';

/** Every route of the API, in the order they are matched. */
export function apiRoutes(api: ApiContext): RouteSpec[] {
  return [
    ...artifactRoutes(api),
    ...deploymentRoutes(api),
    ...triggerRoutes(api.triggers),
    ...flowRoutes(api),
    ...placementRoutes(api),
    ...doraRoutes(api),
    ...configurationRoutes(api),
    ...webhookRoutes(() => api.webhooks),
    ...auditRoutes(api),
    ...eventRoutes(api),
    ...systemRoutes(api),
    ...identityRoutes(),
    ...dashboardRoutes(api.dashboard),
  ];
}
