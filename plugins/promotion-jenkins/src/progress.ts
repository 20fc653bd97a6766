/**
 * The progress of one JenkinsPromotion result, kept in the verdict's `state` between
 * evaluations. Everything needed to resume after a restart is here, so that no job is ever
 * triggered twice for one result.
 */

/** One job's progress. */
export interface JobProgress {
  job: string;
  /** The queue item Jenkins answered the trigger with; set means "triggered, never again". */
  queueUrl: string | null;
  buildUrl: string | null;
  /** The build's result once it finished (`SUCCESS`, `FAILURE`, ...), or `CANCELLED` from the queue. */
  result: string | null;
  /** Why the job cannot finish (Jenkins refused the trigger, the queue item vanished). */
  error: string | null;
}

export interface JenkinsState {
  jobs: JobProgress[];
  /** ISO time of the first failure to reach Jenkins in the current outage, or null. */
  unreachableSince: string | null;
  /** The last such failure, for the reason when the outage outlasts `timeout`. */
  lastError: string | null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * The progress for `jobs`, picked up from the previous evaluation's state where it has some.
 * Jobs the state does not know start afresh; the state is never trusted beyond its shape.
 */
export function restoreState(jobs: readonly string[], state: unknown): JenkinsState {
  const previous = (typeof state === 'object' && state !== null ? state : {}) as Record<string, unknown>;
  const known = new Map<string, Record<string, unknown>>();
  if (Array.isArray(previous.jobs)) {
    for (const entry of previous.jobs) {
      if (typeof entry === 'object' && entry !== null && typeof (entry as { job?: unknown }).job === 'string') {
        known.set((entry as { job: string }).job, entry as Record<string, unknown>);
      }
    }
  }
  return {
    jobs: jobs.map((job) => {
      const entry = known.get(job) ?? {};
      return { job, queueUrl: str(entry.queueUrl), buildUrl: str(entry.buildUrl), result: str(entry.result), error: str(entry.error) };
    }),
    unreachableSince: str(previous.unreachableSince),
    lastError: str(previous.lastError),
  };
}

/** True once nothing more can happen to the job. */
export function isSettled(job: JobProgress): boolean {
  return job.result !== null || job.error !== null;
}
