import { PromotionReportEntity, type PromotionResultRow } from '../store/entities.js';
import { promotionResultView } from '../store/views.js';
import type { PromotionReport, PromotionTarget } from '../plugin-api/promotion.js';
import type { CommandScope } from './commandScope.js';
import { viewOf, type DeploymentState } from './deploymentState.js';

/**
 * What a plugin is told about one of its results: the deployment, the environment and service
 * as the flow's configuration snapshot has them, the promotion's settings, the reports so far.
 */
export async function promotionTarget(scope: CommandScope, state: DeploymentState, result: PromotionResultRow): Promise<PromotionTarget<unknown>> {
  const index = await scope.model(state.row.snapshotId);
  const reports = await scope.em.find(PromotionReportEntity, { resultId: result.id }, { disableIdentityMap: true, orderBy: { id: 'asc' } });
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
