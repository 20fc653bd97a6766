/**
 * `@deploydb/promotion-jenkins`: the `JenkinsPromotion` type. A deployment passes when its
 * Jenkins jobs succeed, either run by DeployDB (`mode: trigger`) or reported by CI (`mode: report`).
 */
import { definePlugin } from '@deploydb/core';
import { evaluateJenkins } from './evaluate.js';
import { jenkinsReporting } from './reporting.js';
import { configSchema, resolveConfig, settingsSchema } from './schema.js';

export {
  configSchema,
  settingsSchema,
  resolveConfig,
  resolveSettings,
  CONFIG_DEFAULTS,
  type JenkinsConfig,
  type JenkinsConfigInput,
  type JenkinsSettings,
  type JenkinsSettingsInput,
} from './schema.js';
export { jobPath } from './jenkinsClient.js';
export type { JenkinsEvidence } from './evaluate.js';
export type { JenkinsState, JobProgress } from './progress.js';

/** The plugin: `type: JenkinsPromotion`, reportable by callers with role `ci`. */
export default definePlugin({
  id: '@deploydb/promotion-jenkins',
  kind: 'promotion',
  type: 'JenkinsPromotion',
  configSchema,
  settingsSchema,
  create: ({ config }) => {
    const resolved = resolveConfig(config);
    return {
      evaluate: (context) => evaluateJenkins(context, resolved),
      reporting: jenkinsReporting,
    };
  },
});
