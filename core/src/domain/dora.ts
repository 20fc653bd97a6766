import Type, { type Static } from 'typebox';
import type { ModelIndex } from '../config/modelIndex.js';

/**
 * The DORA figures (CONTRACT §11) from one sample per deployment that became COMPLETED in the
 * window. Pure: the store reads the samples (store/doraReads.ts), this turns them into figures.
 */

/** One deployment completed in the window, as the figures need it (times in milliseconds). */
export interface DoraSample {
  service: string;
  environment: string;
  /** From the change (the artifact's committedAt, else its createdAt) to the completion. */
  leadSeconds: number;
  /** Failed after completion, or a rollback replaced it. */
  failed: boolean;
  /** When it failed, or when the rollback that replaced it was created; null when it did not fail. */
  failedAt: number | null;
  /** When a later-created deployment there was next reported COMPLETED, at or after the failure; null if none yet. */
  restoredAt: number | null;
}

const Percentiles = Type.Union([Type.Object({ p50: Type.Number(), p90: Type.Number() }), Type.Null()]);
const figureFields = {
  deployments: Type.Integer({ minimum: 0 }),
  deploymentFrequencyPerDay: Type.Number({ minimum: 0 }),
  leadTimeSeconds: Percentiles,
  changeFailureRate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
  timeToRestoreSeconds: Percentiles,
};
export const DoraFiguresSchema = Type.Object(figureFields);
export type DoraFigures = Static<typeof DoraFiguresSchema>;

export const DoraReportSchema = Type.Object(
  {
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
    ...figureFields,
    services: Type.Array(Type.Object({ service: Type.String(), environment: Type.String(), ...figureFields })),
  },
  { $id: 'DoraReport' },
);
export type DoraReport = Static<typeof DoraReportSchema>;

/** The nearest-rank percentile of sorted values: the smallest value with at least p % at or below it. */
export function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

function percentiles(values: number[]): { p50: number; p90: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: nearestRank(sorted, 50), p90: nearestRank(sorted, 90) };
}

/** The figures of a set of samples over a window of `days` days. */
export function doraFigures(samples: readonly DoraSample[], days: number): DoraFigures {
  const failed = samples.filter((s) => s.failed);
  const restores = failed.filter((s) => s.restoredAt !== null && s.failedAt !== null).map((s) => (s.restoredAt! - s.failedAt!) / 1000);
  return {
    deployments: samples.length,
    deploymentFrequencyPerDay: days > 0 ? samples.length / days : 0,
    leadTimeSeconds: percentiles(samples.map((s) => s.leadSeconds)),
    changeFailureRate: samples.length > 0 ? failed.length / samples.length : null,
    timeToRestoreSeconds: percentiles(restores),
  };
}

/** The report: the figures over everything, and per service and environment in the order given. */
export function doraReport(
  pairs: ReadonlyArray<{ service: string; environment: string }>,
  samples: readonly DoraSample[],
  window: { from: Date; to: Date },
): DoraReport {
  const days = (window.to.getTime() - window.from.getTime()) / 86_400_000;
  return {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    ...doraFigures(samples, days),
    services: pairs.map((pair) => ({
      ...pair,
      ...doraFigures(
        samples.filter((s) => s.service === pair.service && s.environment === pair.environment),
        days,
      ),
    })),
  };
}

/** Which services and environments a report covers: asked for, else every service in each of its pipelines' last environment. */
export function doraPairs(index: ModelIndex, filter: { service?: string; environment?: string }): Array<{ service: string; environment: string }> {
  const services = index.model.services.filter((s) => filter.service === undefined || s.key === filter.service);
  return services.flatMap((service) => {
    const environments =
      filter.environment !== undefined
        ? index.environmentsOf(service).filter((e) => e === filter.environment)
        : [...new Set(service.pipelines.map((p) => index.pipelines.get(p)?.environments.at(-1)?.name).filter((e): e is string => e !== undefined))];
    return environments.map((environment) => ({ service: service.key, environment }));
  });
}
