import { describe, expect, it } from 'vitest';
import { doraFigures, doraReport, nearestRank, type DoraSample } from './dora.js';

const sample = (overrides: Partial<DoraSample>): DoraSample => ({
  service: 'web',
  environment: 'prod',
  leadSeconds: 60,
  failed: false,
  failedAt: null,
  restoredAt: null,
  ...overrides,
});

describe('DORA figures', () => {
  it('nearest-rank percentiles', () => {
    const values = [15, 20, 35, 40, 50];
    expect(nearestRank(values, 50)).toBe(35);
    expect(nearestRank(values, 90)).toBe(50);
    expect(nearestRank([7], 90)).toBe(7);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
  });

  it('counts, rates and percentiles of a window; null where nothing is measured', () => {
    const figures = doraFigures(
      [
        sample({ leadSeconds: 100 }),
        sample({ leadSeconds: 300, failed: true, failedAt: 1_000, restoredAt: 61_000 }),
        sample({ leadSeconds: 200, failed: true, failedAt: 5_000, restoredAt: null }),
        sample({ leadSeconds: 400 }),
      ],
      2,
    );
    expect(figures).toEqual({
      deployments: 4,
      deploymentFrequencyPerDay: 2,
      leadTimeSeconds: { p50: 200, p90: 400 },
      changeFailureRate: 0.5,
      timeToRestoreSeconds: { p50: 60, p90: 60 },
    });
    expect(doraFigures([], 30)).toEqual({
      deployments: 0,
      deploymentFrequencyPerDay: 0,
      leadTimeSeconds: null,
      changeFailureRate: null,
      timeToRestoreSeconds: null,
    });
  });

  it('reports the whole and each service and environment', () => {
    const report = doraReport(
      [
        { service: 'web', environment: 'prod' },
        { service: 'api', environment: 'prod' },
      ],
      [sample({ leadSeconds: 10 }), sample({ service: 'api', leadSeconds: 30 })],
      { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-11T00:00:00Z') },
    );
    expect(report).toMatchObject({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-11T00:00:00.000Z',
      deployments: 2,
      deploymentFrequencyPerDay: 0.2,
      leadTimeSeconds: { p50: 10, p90: 30 },
      services: [
        { service: 'web', environment: 'prod', deployments: 1, leadTimeSeconds: { p50: 10, p90: 10 } },
        { service: 'api', environment: 'prod', deployments: 1, leadTimeSeconds: { p50: 30, p90: 30 } },
      ],
    });
  });
});
