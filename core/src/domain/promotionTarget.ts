import type { ModelIndex } from '../config/modelIndex.js';
import type { PromotionReport, PromotionTarget } from '../plugin-api/promotion.js';
import type { PromotionReportRow, PromotionResultRow } from './rows.js';
import { promotionResultView } from './views.js';
import { viewOf, type DeploymentState } from './deploymentState.js';

/**
 * What a plugin is told about one of its results: the deployment, the environment and service
 * as the flow's configuration snapshot (`model`) has them, the promotion's settings, the reports so far.
 */
export function promotionTarget(
  model: ModelIndex,
  state: DeploymentState,
  result: PromotionResultRow,
  reports: readonly PromotionReportRow[],
): PromotionTarget<unknown> {
  return {
    deployment: viewOf(state),
    result: promotionResultView(result),
    environment: model.environments.get(state.row.environment)!,
    service: model.services.get(state.row.service)!,
    settings: model.promotions.get(result.promotion)?.settings ?? {},
    reports: reports.map(
      (r): PromotionReport => ({ status: r.status, infoUrl: r.infoUrl, reason: r.reason, actor: r.actor, reportedAt: r.createdAt.toISOString() }),
    ),
  };
}
