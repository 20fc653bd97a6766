import { describe, expect, it } from 'vitest';
import { deploymentAsOf } from './asOf.js';
import type { DeploymentRow, PromotionResultRow } from './rows.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

const row: DeploymentRow = {
  id: 7,
  flowId: 1,
  artifactId: 1,
  service: 'web',
  pipeline: 'p',
  environment: 'prod',
  stage: 1,
  snapshotId: 1,
  kind: 'flow',
  status: 'VERIFIED',
  history: ['CREATED', 'STARTED', 'COMPLETED', 'VERIFIED'],
  reason: 'rolled out by hand',
  reasons: { CREATED: 'asked for by ops', STARTED: 'rolled out by hand' },
  statusAt: at(30),
  startedAt: at(2),
  completedAt: at(10),
  verifiedAt: at(30),
  failedAt: null,
  createdAt: at(0),
  updatedAt: at(30),
};
const result = (id: number, settledAt: Date | null, status: PromotionResultRow['status']): PromotionResultRow => ({
  id,
  deploymentId: 7,
  position: id,
  promotion: `p${id}`,
  type: 'manual',
  status,
  infoUrl: null,
  reason: settledAt ? 'ok' : null,
  actor: settledAt ? 'alice' : null,
  evidence: null,
  state: null,
  attempts: 1,
  errors: 0,
  nextCheckAt: null,
  leaseUntil: null,
  settledAt,
  createdAt: at(0),
  updatedAt: settledAt ?? at(10),
});

describe('a deployment as it stood at a moment', () => {
  const results = [result(1, at(15), 'SUCCESS'), result(2, at(30), 'SUCCESS')];

  it('has the status, status time, reason and results of then', () => {
    const before = deploymentAsOf(row, results, at(5));
    expect(before.row).toMatchObject({ status: 'STARTED', statusAt: at(2), updatedAt: at(2), completedAt: null, verifiedAt: null, reason: 'rolled out by hand' });
    expect(before.row.history).toEqual(['CREATED', 'STARTED']);
    expect(before.results.map((r) => [r.status, r.actor])).toEqual([
      ['NOT_STARTED', null],
      ['NOT_STARTED', null],
    ]);
    const between = deploymentAsOf(row, results, at(20));
    expect(between.row).toMatchObject({ status: 'COMPLETED', statusAt: at(10) });
    expect(between.results.map((r) => [r.status, r.actor])).toEqual([
      ['SUCCESS', 'alice'],
      ['STARTED', null],
    ]);
  });

  it('has the last reason reported by then, though later reports replaced it', () => {
    expect(deploymentAsOf(row, results, at(1)).row.reason).toBe('asked for by ops');
    const failed: DeploymentRow = {
      ...row,
      status: 'FAILED',
      history: [...row.history, 'FAILED'],
      reason: 'health check failed',
      reasons: { ...row.reasons, FAILED: 'health check failed' },
      statusAt: at(50),
      failedAt: at(50),
      updatedAt: at(50),
    };
    // COMPLETED and VERIFIED came with no reason: the one reported when it started stands.
    expect(deploymentAsOf(failed, results, at(40)).row).toMatchObject({ status: 'VERIFIED', reason: 'rolled out by hand' });
    expect(deploymentAsOf(failed, results, at(50)).row).toBe(failed);
    const noReason: DeploymentRow = { ...row, reason: null, reasons: null };
    expect(deploymentAsOf(noReason, results, at(5)).row.reason).toBeNull();
  });

  it('shows a result settled later as waiting, though the deployment status did not change since', () => {
    const completed: DeploymentRow = { ...row, status: 'COMPLETED', history: ['CREATED', 'STARTED', 'COMPLETED'], statusAt: at(10), verifiedAt: null, updatedAt: at(10) };
    const oneSettled = [result(1, at(15), 'SUCCESS'), result(2, null, 'STARTED')];
    const then = deploymentAsOf(completed, oneSettled, at(12));
    expect(then.row).toBe(completed);
    expect(then.results.map((r) => [r.status, r.reason, r.actor])).toEqual([
      ['STARTED', null, null],
      ['STARTED', null, null],
    ]);
  });

  it('is the deployment itself when nothing changed since', () => {
    const now = deploymentAsOf(row, results, at(40));
    expect(now.row).toBe(row);
    expect(now.results).toEqual(results);
  });
});
