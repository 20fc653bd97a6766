import type { DeploymentStatus } from './shapes.js';

/** The statuses a deployer may report (CONTRACT §3). */
export type ReportedStatus = 'STARTED' | 'COMPLETED' | 'FAILED';
export const REPORTED_STATUSES: readonly ReportedStatus[] = ['STARTED', 'COMPLETED', 'FAILED'];

const transitions: Record<DeploymentStatus, readonly DeploymentStatus[]> = {
  CREATED: ['STARTED', 'COMPLETED', 'FAILED'],
  STARTED: ['COMPLETED', 'FAILED'],
  COMPLETED: ['VERIFIED', 'FAILED'],
  VERIFIED: [],
  FAILED: [],
};

/** Whether a deployment may move from one status to another. */
export function canTransition(from: DeploymentStatus, to: DeploymentStatus): boolean {
  return transitions[from].includes(to);
}

export type ReportDecision = { kind: 'apply' } | { kind: 'repeat' } | { kind: 'invalid'; message: string };

/**
 * What a deployer's report does to a deployment with this history. A status it has already
 * had is a repeat (answered with the current state, nothing changed), whatever came after.
 */
export function decideReport(status: DeploymentStatus, history: readonly DeploymentStatus[], reported: ReportedStatus): ReportDecision {
  if (history.includes(reported)) return { kind: 'repeat' };
  if (canTransition(status, reported)) return { kind: 'apply' };
  return { kind: 'invalid', message: `the deployment is ${status}; it cannot become ${reported}` };
}
