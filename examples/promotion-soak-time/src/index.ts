/**
 * `deploydb-promotion-soak-time`: the `SoakTime` promotion type. A deployment passes once it has
 * run for `seconds` after it became COMPLETED, and fails if a newer deployment of the same
 * service replaced it in its environment before then.
 */
import { coreServices, definePromotionPlugin, type PluginDefinition } from '@deploydb/core';
import { currentDeploymentFromLedger } from './currentDeployment.js';
import { configSchema, settingsSchema } from './schema.js';
import { evaluateSoak } from './soak.js';

export { settingsSchema, configSchema, type SoakSettings } from './schema.js';
export { evaluateSoak, type SoakState, type SoakEvidence } from './soak.js';
export { currentDeploymentFromLedger, type CurrentDeploymentLookup } from './currentDeployment.js';

/**
 * The plugin: `type: SoakTime`, decided by time alone, so not reportable over the API. Typed as a
 * plain `PluginDefinition` so that the published declarations name only `@deploydb/core`, not the
 * schema library behind it.
 */
const soakTime: PluginDefinition = definePromotionPlugin({
  id: 'deploydb-promotion-soak-time',
  type: 'SoakTime',
  configSchema,
  settingsSchema,
  // What runs where: read from the ledger, so a newer deployment that replaced this one is seen.
  deps: { ledger: coreServices.ledger },
  create: ({ deps }) => {
    const lookup = currentDeploymentFromLedger(deps.ledger);
    return {
      // One evaluation is one read of the ledger.
      evaluationTimeout: 15,
      evaluate: (context) => evaluateSoak(context, lookup),
    };
  },
});

export default soakTime;
