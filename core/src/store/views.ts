import type { EntityManager } from '@mikro-orm/postgresql';
import type { Artifact, Deployment, Flow, PromotionResult } from '../domain/shapes.js';
import {
  ArtifactEntity,
  DeploymentEntity,
  PromotionResultEntity,
  type ArtifactRow,
  type DeploymentRow,
  type FlowRow,
  type PromotionResultRow,
} from './entities.js';

/** Rows to the contract's shapes (CONTRACT §4), and the batched reads that assemble them. */

const iso = (date: Date) => date.toISOString();
const plain = { disableIdentityMap: true } as const;

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

export async function artifactsById(em: EntityManager, ids: Iterable<number>): Promise<Map<number, ArtifactRow>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await em.find(ArtifactEntity, { id: { $in: unique } }, plain);
  return new Map(rows.map((r) => [r.id, r]));
}

export async function resultsByDeployment(em: EntityManager, deploymentIds: Iterable<number>): Promise<Map<number, PromotionResultRow[]>> {
  const unique = [...new Set(deploymentIds)];
  const byDeployment = new Map<number, PromotionResultRow[]>(unique.map((id) => [id, []]));
  if (unique.length === 0) return byDeployment;
  const rows = await em.find(PromotionResultEntity, { deploymentId: { $in: unique } }, { ...plain, orderBy: { deploymentId: 'asc', position: 'asc' } });
  for (const row of rows) byDeployment.get(row.deploymentId)!.push(row);
  return byDeployment;
}

/** Deployment rows to full Deployments, with two batched reads. */
export async function deploymentViews(em: EntityManager, rows: readonly DeploymentRow[]): Promise<Deployment[]> {
  const [artifacts, results] = await Promise.all([
    artifactsById(em, rows.map((r) => r.artifactId)),
    resultsByDeployment(em, rows.map((r) => r.id)),
  ]);
  return rows.map((r) => deploymentView(r, artifacts.get(r.artifactId)!, results.get(r.id)!));
}

/** Flow rows to full Flows with their deployments in pipeline order. */
export async function flowViews(em: EntityManager, rows: readonly FlowRow[]): Promise<Flow[]> {
  if (rows.length === 0) return [];
  const deploymentRows = await em.find(
    DeploymentEntity,
    { flowId: { $in: rows.map((r) => r.id) } },
    { ...plain, orderBy: { flowId: 'asc', stage: 'asc' } },
  );
  const deployments = await deploymentViews(em, deploymentRows);
  const artifacts = await artifactsById(em, rows.map((r) => r.artifactId));
  return rows.map((r) =>
    flowView(
      r,
      artifacts.get(r.artifactId)!,
      deployments.filter((d) => d.flowId === r.id),
    ),
  );
}
