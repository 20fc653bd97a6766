import type { EvaluationContext, Verdict } from '@deploydb/core';
import { probe, type ProbeOutcome } from './probe.js';
import { resolveSettings, type WebhookSettings, type WebhookSettingsInput } from './settings.js';
import { probeTargets } from './targets.js';

/** Carried from one evaluation of a result to the next: how many rounds have failed so far. */
export interface WebhookState {
  failedRounds: number;
}

/** What is kept on the promotion result after each evaluation. */
export interface WebhookEvidence {
  [key: string]: unknown;
  hosts: ProbeOutcome[];
  /** Rounds of probes made so far for this result, this one included. */
  attempts: number;
  policy: WebhookSettings['policy'];
}

function previousFailures(state: unknown): number {
  const value = (state as Partial<WebhookState> | null)?.failedRounds;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

/** How many passing probes out of `total` the policy needs. */
export function needed(policy: WebhookSettings['policy'], total: number): number {
  if (policy === 'any') return Math.min(1, total);
  if (policy === 'quorum') return Math.floor(total / 2) + 1;
  return total;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * One round of probes for one promotion result. A failed round is answered PENDING (with the
 * count of failed rounds in `state`) until `retries` more rounds have failed too, then FAILED.
 * Idempotent: probing is read-only and all progress lives in `state`.
 */
export async function evaluateWebhook(context: EvaluationContext<WebhookSettingsInput>): Promise<Verdict> {
  const settings = resolveSettings(context.settings);
  const targets = probeTargets(settings.url, context.environment);
  const failedBefore = previousFailures(context.state);
  const attempts = failedBefore + 1;
  if (!targets.ok) {
    const evidence: WebhookEvidence = { hosts: [], attempts, policy: settings.policy };
    return { status: 'FAILED', reason: targets.error, infoUrl: null, evidence };
  }

  const { deployment } = context;
  const body = {
    deploymentId: deployment.id,
    service: deployment.service,
    environment: deployment.environment,
    promotion: context.result.promotion,
    artifact: { group: deployment.artifact.group, name: deployment.artifact.name, version: deployment.artifact.version },
  };
  const outcomes = await Promise.all(
    targets.urls.map((url) =>
      probe(url, { method: settings.method, expectedStatus: settings.status, timeout: settings.timeout, body, signal: context.signal }),
    ),
  );

  const failed = outcomes.filter((outcome) => outcome.error !== null);
  const passed = outcomes.length - failed.length;
  const required = needed(settings.policy, outcomes.length);
  const evidence: WebhookEvidence = { hosts: outcomes, attempts, policy: settings.policy };

  if (passed >= required) {
    return { status: 'SUCCESS', infoUrl: outcomes[0]?.url ?? null, evidence };
  }
  const infoUrl = failed[0]?.url ?? null;
  const failedRounds = failedBefore + 1;
  if (failedRounds <= settings.retries) {
    context.logger.debug({ failedRounds, retries: settings.retries, failed: failed.map((f) => f.url) }, 'probe round failed, will retry');
    const state: WebhookState = { failedRounds };
    return { status: 'PENDING', checkAgainIn: settings.interval, state, infoUrl, evidence };
  }
  return { status: 'FAILED', reason: failureReason(settings, outcomes, failed, attempts), infoUrl, evidence };
}

function failureReason(settings: WebhookSettings, outcomes: ProbeOutcome[], failed: ProbeOutcome[], attempts: number): string {
  const passed = outcomes.length - failed.length;
  const required = needed(settings.policy, outcomes.length);
  const summary =
    settings.policy === 'all'
      ? `${failed.length} of ${plural(outcomes.length, 'probe')} did not get status ${settings.status}`
      : `${passed} of ${plural(outcomes.length, 'probe')} got status ${settings.status}, policy "${settings.policy}" needs ${required}`;
  const details = failed.map((outcome) => `${outcome.url}: ${outcome.error}`).join('; ');
  return `${summary} after ${plural(attempts, 'attempt')}: ${details}`;
}
