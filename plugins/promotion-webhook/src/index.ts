/**
 * `@deploydb/promotion-webhook`: the `WebhookPromotion` type. A deployment passes when its
 * environment answers HTTP probes with the expected status.
 */
import { definePlugin, type EnvironmentConfig } from '@deploydb/core';
import { evaluateWebhook } from './evaluate.js';
import { MAX_PROBE_TIMEOUT, settingsSchema, type WebhookSettingsInput } from './settings.js';
import { isRelative, relativeUrlError } from './targets.js';

export { settingsSchema, resolveSettings, DEFAULTS, type WebhookSettings, type WebhookSettingsInput } from './settings.js';
export { probeTargets, joinUrl, type ProbeTargets } from './targets.js';
export type { ProbeOutcome } from './probe.js';
export type { WebhookEvidence, WebhookState } from './evaluate.js';

/**
 * Configuration errors of a promotion's settings in one environment where it applies: a relative
 * url cannot be probed in an environment with neither `url` nor `hosts`.
 */
export function checkEnvironment(settings: WebhookSettingsInput, environment: EnvironmentConfig): string[] {
  const hasBase = Boolean(environment.url) || (environment.hosts ?? []).length > 0;
  return isRelative(settings.url) && !hasBase ? [relativeUrlError(settings.url, environment.key)] : [];
}

/** The plugin: `type: WebhookPromotion`, not reportable over the API. */
export default definePlugin({
  id: '@deploydb/promotion-webhook',
  kind: 'promotion',
  type: 'WebhookPromotion',
  settingsSchema,
  checkEnvironment,
  create: () => ({
    // Probes run in parallel, so one evaluation lasts about one probe timeout at most.
    evaluationTimeout: MAX_PROBE_TIMEOUT + 30,
    evaluate: evaluateWebhook,
  }),
});
