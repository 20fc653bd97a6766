import type { EvaluationContext, Verdict } from '@deploydb/core';
import { JenkinsClient, JenkinsRefused, JenkinsUnreachable, type Crumb } from './jenkinsClient.js';
import { isSettled, restoreState, type JenkinsState, type JobProgress } from './progress.js';
import { resolveSettings, type JenkinsConfig, type JenkinsSettings, type JenkinsSettingsInput } from './schema.js';

/** Seconds one request to Jenkins may take; a slower Jenkins counts as unreachable for that poll. */
export const REQUEST_TIMEOUT = 10;

/** What is kept on the promotion result: each job's queue item, build and result. */
export interface JenkinsEvidence {
  [key: string]: unknown;
  mode: JenkinsSettings['mode'];
  jobs: { job: string; queueUrl: string | null; buildUrl: string | null; result: string | null; error: string | null }[];
  /** Start of the current outage, if Jenkins is not answering. */
  unreachableSince: string | null;
}

function evidenceOf(settings: JenkinsSettings, state: JenkinsState): JenkinsEvidence {
  return {
    mode: settings.mode,
    jobs: state.jobs.map(({ job, queueUrl, buildUrl, result, error }) => ({ job, queueUrl, buildUrl, result, error })),
    unreachableSince: state.unreachableSince,
  };
}

/** `0.3s`, `42s`, `10m 5s`: how long an outage lasted, in words an operator reads at a glance. */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${Number(seconds.toFixed(1))}s`;
  if (seconds < 120) return `${Math.round(seconds)}s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}m ${whole % 60}s`;
}

/** The build parameters every job gets; the promotion's own `parameters` cannot replace them. */
function buildParameters(context: EvaluationContext<JenkinsSettingsInput>, settings: JenkinsSettings): Record<string, string> {
  const { deployment } = context;
  return {
    ...settings.parameters,
    ARTIFACT_GROUP: deployment.artifact.group,
    ARTIFACT_NAME: deployment.artifact.name,
    ARTIFACT_VERSION: deployment.artifact.version,
    SERVICE: deployment.service,
    ENVIRONMENT: deployment.environment,
    DEPLOYMENT_ID: String(deployment.id),
  };
}

/**
 * Moves one job one step on: trigger it, or find its build in the queue, then check the build.
 * Never blocks waiting for Jenkins; never triggers a job whose queue item is known.
 */
async function advance(job: JobProgress, client: JenkinsClient, parameters: Record<string, string>, crumb: () => Promise<Crumb | null>): Promise<void> {
  if (job.queueUrl === null) {
    job.queueUrl = await client.trigger(job.job, parameters, await crumb());
    return;
  }
  if (job.buildUrl === null) {
    let item;
    try {
      item = await client.queueItem(job.queueUrl);
    } catch (error) {
      if (error instanceof JenkinsRefused && error.status === 404) {
        job.error = `queue item ${job.queueUrl} is gone before its build started (cancelled or expired)`;
        return;
      }
      throw error;
    }
    if (item.cancelled) {
      job.result = 'CANCELLED';
      return;
    }
    if (item.buildUrl === null) return;
    job.buildUrl = item.buildUrl;
  }
  const build = await client.build(job.buildUrl);
  if (!build.building && build.result !== null) job.result = build.result;
}

function settle(settings: JenkinsSettings, state: JenkinsState): Verdict {
  const evidence = evidenceOf(settings, state);
  const failing = state.jobs.filter((job) => job.result !== 'SUCCESS');
  if (failing.length === 0) return { status: 'SUCCESS', infoUrl: state.jobs[0]?.buildUrl ?? null, evidence };
  const infoUrl = failing.find((job) => job.buildUrl !== null)?.buildUrl ?? null;
  const reasons = failing.map((job) =>
    job.result !== null
      ? `job ${job.job} finished ${job.result}${job.buildUrl ? ` (${job.buildUrl})` : ''}`
      : `job ${job.job} could not run: ${job.error}`,
  );
  return { status: 'FAILED', reason: `${failing.length} of ${state.jobs.length} Jenkins jobs did not succeed: ${reasons.join('; ')}`, infoUrl, evidence };
}

/**
 * One round of a JenkinsPromotion evaluation. In `report` mode it waits for a report. In
 * `trigger` mode it advances every unfinished job by one non-blocking step and answers PENDING
 * (every `pollInterval` seconds, all progress in `state`) until every build has finished, or
 * until Jenkins has been unreachable for longer than `timeout`.
 */
export async function evaluateJenkins(context: EvaluationContext<JenkinsSettingsInput>, config: JenkinsConfig): Promise<Verdict> {
  const settings = resolveSettings(context.settings, config);
  const state = restoreState(settings.jobs, context.state);
  if (settings.mode === 'report') {
    return { status: 'PENDING', evidence: evidenceOf(settings, state) };
  }

  const client = new JenkinsClient({
    baseUrl: config.baseUrl,
    user: config.user,
    token: config.token,
    requestTimeout: REQUEST_TIMEOUT,
    signal: context.signal,
  });
  const parameters = buildParameters(context, settings);
  // One crumb per round, fetched only when some job is still to be triggered.
  let crumb: Promise<Crumb | null> | undefined;
  const getCrumb = () => (crumb ??= client.crumb());

  const unreachable: string[] = [];
  await Promise.all(
    state.jobs
      .filter((job) => !isSettled(job))
      .map(async (job) => {
        try {
          await advance(job, client, parameters, getCrumb);
        } catch (error) {
          if (error instanceof JenkinsUnreachable) unreachable.push(error.message);
          else if (error instanceof JenkinsRefused) job.error = error.message;
          else throw error;
        }
      }),
  );

  const now = context.clock.now();
  if (unreachable.length > 0) {
    const since: string = state.unreachableSince ?? now.toISOString();
    state.unreachableSince = since;
    state.lastError = unreachable[0]!;
    const outage = (now.getTime() - Date.parse(since)) / 1000;
    if (outage > settings.timeout) {
      return {
        status: 'FAILED',
        reason:
          `Jenkins at ${config.baseUrl} was unreachable for ${formatDuration(outage)} (since ${since}, ` +
          `timeout ${formatDuration(settings.timeout)}); last error: ${state.lastError}`,
        infoUrl: state.jobs.find((job) => job.buildUrl !== null)?.buildUrl ?? null,
        evidence: evidenceOf(settings, state),
      };
    }
    context.logger.warn({ since: state.unreachableSince, error: state.lastError }, 'Jenkins unreachable, will retry');
  } else {
    state.unreachableSince = null;
    state.lastError = null;
  }

  if (state.jobs.every(isSettled)) return settle(settings, state);
  return {
    status: 'PENDING',
    checkAgainIn: settings.pollInterval,
    state,
    infoUrl: state.jobs.find((job) => job.buildUrl !== null)?.buildUrl ?? null,
    evidence: evidenceOf(settings, state),
  };
}
