import type { EntityManager } from '@mikro-orm/postgresql';
import type { Deployment, Flow } from '../domain/shapes.js';
import { ArtifactEntity, DeploymentEntity, PromotionResultEntity } from './entities.js';
import type { ArtifactRow, DeploymentRow, FlowRow, PromotionResultRow } from '../domain/rows.js';
import { deploymentView, flowView } from '../domain/views.js';

const plain = { disableIdentityMap: true } as const;

/** The batched reads that assemble the contract's shapes from rows (domain/views.ts). */

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
