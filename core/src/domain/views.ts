import type { ArtifactRow, DeploymentRow, FlowRow, PromotionResultRow } from './rows.js';
import type { Artifact, Deployment, Flow, PromotionResult } from './shapes.js';

/** Rows to the contract's shapes (CONTRACT §4): what the API answers and events carry. */

const iso = (date: Date) => date.toISOString();

export function artifactView(row: ArtifactRow): Artifact {
  return {
    id: row.id,
    group: row.group,
    name: row.name,
    version: row.version,
    sourceUrl: row.sourceUrl,
    revision: row.revision ?? null,
    committedAt: row.committedAt ? iso(row.committedAt) : null,
    createdAt: iso(row.createdAt),
  };
}

export function promotionResultView(row: PromotionResultRow): PromotionResult {
  return {
    id: row.id,
    promotion: row.promotion,
    type: row.type,
    status: row.status,
    infoUrl: row.infoUrl,
    reason: row.reason,
    actor: row.actor,
    nextEvaluationAt: row.status === 'STARTED' && row.nextCheckAt ? iso(row.nextCheckAt) : null,
    evidence: row.evidence,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function deploymentView(row: DeploymentRow, artifact: ArtifactRow, results: readonly PromotionResultRow[]): Deployment {
  return {
    id: row.id,
    flowId: row.flowId,
    artifact: artifactView(artifact),
    service: row.service,
    pipeline: row.pipeline,
    environment: row.environment,
    status: row.status,
    kind: row.kind,
    reason: row.reason,
    promotions: [...results].sort((a, b) => a.position - b.position).map(promotionResultView),
    statusAt: iso(row.statusAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function flowView(row: FlowRow, artifact: ArtifactRow, deployments: Deployment[]): Flow {
  return {
    id: row.id,
    artifact: artifactView(artifact),
    service: row.service,
    pipeline: row.pipeline,
    status: row.status,
    deployments,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
