import { DeployDbError, type Caller, type EvaluationContext, type PromotionReport, type ReportContext, type Verdict } from '@deploydb/core';
import type { ManualSettings } from './settings.js';

/** An approver among `approvers` (or, without that list, anyone with role approver). */
export function mayApprove(caller: Caller, settings: ManualSettings): boolean {
  if (!caller.roles.includes('approver')) return false;
  return settings.approvers === undefined || (caller.name !== null && settings.approvers.includes(caller.name));
}

/** Who approved and when, as kept in the result's evidence. */
export function approvalsOf(reports: readonly PromotionReport[]) {
  const seen = new Set<string | null>();
  return reports
    .filter((r) => r.status === 'SUCCESS' && !seen.has(r.actor) && seen.add(r.actor))
    .map((r) => ({ actor: r.actor, at: r.reportedAt }));
}

/** Nothing to evaluate: the result waits for approvals. Evidence shows those already made. */
export function waitForApprovals({ reports, settings }: EvaluationContext<ManualSettings>): Verdict {
  return { status: 'PENDING', evidence: { approvals: approvalsOf(reports), required: settings.required } };
}

/**
 * An approval passes the promotion once `required` distinct approvers have approved; a
 * rejection (which needs a reason) fails it at once.
 */
export function decide({ report, reports, settings }: ReportContext<ManualSettings>): Verdict {
  if (report.status === 'FAILED') {
    if (!report.reason?.trim()) {
      throw new DeployDbError('validation_failed', 'a rejection needs a reason', [{ path: '/reason', message: 'is required when status is FAILED' }]);
    }
    // Kept exactly as given (CONTRACT §4); who rejected is the result's `actor` and the evidence's `rejectedBy`.
    return {
      status: 'FAILED',
      reason: report.reason,
      evidence: { approvals: approvalsOf(reports), rejectedBy: { actor: report.actor, at: report.reportedAt, reason: report.reason } },
    };
  }
  const approvals = approvalsOf([...reports, report]);
  const evidence = { approvals, required: settings.required };
  if (approvals.length >= settings.required) return { status: 'SUCCESS', evidence };
  return { status: 'PENDING', evidence };
}
