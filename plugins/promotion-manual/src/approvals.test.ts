import { describe, expect, it } from 'vitest';
import { isDeployDbError, type PromotionReport, type ReportContext } from '@deploydb/core';
import { decide } from './approvals.js';
import type { ManualSettings } from './settings.js';

function report(status: 'SUCCESS' | 'FAILED', actor: string, reason: string | null = null): PromotionReport {
  return { status, actor, reason, infoUrl: null, reportedAt: '2030-01-01T10:00:00.000Z' };
}

/** Only what `decide` reads: the report, the earlier reports and the settings. */
function context(current: PromotionReport, earlier: PromotionReport[] = [], required = 1): ReportContext<ManualSettings> {
  return { report: current, reports: earlier, settings: { required } } as unknown as ReportContext<ManualSettings>;
}

describe('manual promotion decisions', () => {
  it('keeps a rejection reason exactly as given and records who rejected in the evidence', () => {
    const verdict = decide(context(report('FAILED', 'alice', '  not today: freeze until Monday ')));
    expect(verdict).toMatchObject({
      status: 'FAILED',
      reason: '  not today: freeze until Monday ',
      evidence: { rejectedBy: { actor: 'alice', reason: '  not today: freeze until Monday ', at: '2030-01-01T10:00:00.000Z' } },
    });
  });

  it('refuses a rejection without a reason, or with only spaces', () => {
    for (const reason of [null, '', '   ']) {
      let thrown: unknown;
      try {
        decide(context(report('FAILED', 'alice', reason)));
      } catch (error) {
        thrown = error;
      }
      expect(isDeployDbError(thrown) && thrown.code).toBe('validation_failed');
    }
  });

  it('passes once the required number of distinct approvers approved', () => {
    expect(decide(context(report('SUCCESS', 'alice'), [], 2))).toMatchObject({ status: 'PENDING', evidence: { required: 2 } });
    expect(decide(context(report('SUCCESS', 'alice'), [report('SUCCESS', 'alice')], 2)).status).toBe('PENDING');
    expect(decide(context(report('SUCCESS', 'bob'), [report('SUCCESS', 'alice')], 2))).toMatchObject({
      status: 'SUCCESS',
      evidence: { approvals: [{ actor: 'alice' }, { actor: 'bob' }] },
    });
  });
});
