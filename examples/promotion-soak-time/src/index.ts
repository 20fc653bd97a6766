/**
 * `deploydb-promotion-soak-time`: the `SoakTime` promotion type. A deployment passes once it has
 * run for `seconds` after it became COMPLETED, and fails if a newer deployment of the same
 * service replaced it in its environment before then.
 */
import { definePlugin, type PluginDefinition } from '@deploydb/core';
import { currentDeploymentOverHttp } from './currentDeployment.js';
import { configSchema, resolveConfig, settingsSchema } from './schema.js';
import { evaluateSoak } from './soak.js';

export { settingsSchema, configSchema, resolveConfig, CONFIG_DEFAULTS, type SoakSettings, type SoakConfig, type SoakConfigInput } from './schema.js';
export { evaluateSoak, type SoakState, type SoakEvidence } from './soak.js';
export { currentDeploymentOverHttp, type CurrentDeploymentLookup } from './currentDeployment.js';

/**
 * The plugin: `type: SoakTime`, decided by time alone, so not reportable over the API. Typed as a
 * plain `PluginDefinition` so that the published declarations name only `@deploydb/core`, not the
 * schema library behind it.
 */
const soakTime: PluginDefinition = definePlugin({
  id: 'deploydb-promotion-soak-time',
  kind: 'promotion',
  type: 'SoakTime',
  configSchema,
  settingsSchema,
  create: ({ config, logger }) => {
    const resolved = resolveConfig(config);
    const lookup = resolved.apiUrl === null ? null : currentDeploymentOverHttp({ ...resolved, apiUrl: resolved.apiUrl });
    if (lookup === null) {
      logger.warn('SoakTime has no config.apiUrl: a deployment replaced during its soak time will not fail it');
    }
    return {
      // One evaluation is at most one API request.
      evaluationTimeout: resolved.timeout + 5,
      evaluate: (context) => evaluateSoak(context, lookup),
    };
  },
});

export default soakTime;
