import type { DeploymentRow, PromotionResultRow } from './rows.js';
import type { DeploymentStatus } from './shapes.js';
import { statusAt, statusTimesOf } from './placementTimeline.js';

/**
 * A deployment as it stood at `t` (CONTRACT §11 `?at=`): its status then and since when, the
 * last reason reported by then, and each promotion result's status then (settled, or
 * STARTED once the deployment had completed, else NOT_STARTED). What the ledger does not keep
 * the history of (evidence, links) is shown as it is now. `t` must not be before its creation.
 */
export function deploymentAsOf(row: DeploymentRow, results: readonly PromotionResultRow[], t: Date): { row: DeploymentRow; results: PromotionResultRow[] } {
  const then = statusAt(statusTimesOf(row), t.getTime());
  if (!then) return { row, results: [...results] };
  const reached = (at: Date | null) => (at !== null && at <= t ? at : null);
  const completed = reached(row.completedAt);
  const since = new Date(then.since);
  const rowThen: DeploymentRow =
    then.status === row.status && row.statusAt <= t
      ? row
      : {
          ...row,
          status: then.status,
          history: row.history.slice(0, row.history.indexOf(then.status) + 1),
          reason: reasonThen(row, then.status),
          statusAt: since,
          startedAt: reached(row.startedAt),
          completedAt: completed,
          verifiedAt: reached(row.verifiedAt),
          failedAt: reached(row.failedAt),
          updatedAt: since,
        };
  return {
    row: rowThen,
    // A result may have settled after `t` while the deployment's own status stayed the same.
    results: results.map((r) => {
      if (r.settledAt !== null && r.settledAt <= t) return r;
      const status = completed ? 'STARTED' : 'NOT_STARTED';
      if (r.status === status) return r;
      return { ...r, status, reason: null, actor: null, nextCheckAt: null, settledAt: null, updatedAt: completed ?? r.createdAt };
    }),
  };
}

/** The last reason reported for a deployment by the time it reached `status` (one of its history). */
function reasonThen(row: DeploymentRow, status: DeploymentStatus): string | null {
  const reached = row.history.slice(0, row.history.indexOf(status) + 1);
  for (let i = reached.length - 1; i >= 0; i--) {
    const reason = row.reasons?.[reached[i]!];
    if (reason !== undefined) return reason;
  }
  return null;
}
