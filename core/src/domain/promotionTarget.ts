import { PromotionReportEntity, type PromotionResultRow } from '../store/entities.js';
import { promotionResultView } from '../store/views.js';
import type { PromotionReport, PromotionTarget } from '../plugin-api/promotion.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ConfigSnapshots } from '../store/snapshots.js';
import { viewOf, type DeploymentState } from './deploymentState.js';

/**
 * What a plugin is told about one of its results: the deployment, the environment and service
 * as the flow's configuration snapshot has them, the promotion's settings, the reports so far.
 */
export async function promotionTarget(
  em: EntityManager,
  snapshots: ConfigSnapshots,
  state: DeploymentState,
  result: PromotionResultRow,
): Promise<PromotionTarget<unknown>> {
  const index = await snapshots.get(em, state.row.snapshotId);
  const reports = await em.find(PromotionReportEntity, { resultId: result.id }, { disableIdentityMap: true, orderBy: { id: 'asc' } });
  return {
    deployment: viewOf(state),
    result: promotionResultView(result),
    environment: index.environments.get(state.row.environment)!,
    service: index.services.get(state.row.service)!,
    settings: index.promotions.get(result.promotion)?.settings ?? {},
    reports: reports.map(
      (r): PromotionReport => ({ status: r.status, infoUrl: r.infoUrl, reason: r.reason, actor: r.actor, reportedAt: r.createdAt.toISOString() }),
    ),
  };
}
