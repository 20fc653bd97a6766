import { raw, type EntityManager, type FilterQuery } from '@mikro-orm/postgresql';
import type { Database } from './database.js';
import { ArtifactEntity, DeploymentEntity, FlowEntity, PromotionResultEntity } from './entities.js';
import type { ArtifactRow, DeploymentRow, FlowRow } from '../domain/rows.js';
import { deploymentViews, flowViews } from './viewReads.js';
import { artifactView, promotionResultView } from '../domain/views.js';
import type { Artifact, Deployment, DeploymentStatus, Flow, FlowStatus, PromotionResult } from '../domain/shapes.js';

/** Keyset page request: rows with id greater than `after`, at most `limit` (one more is fetched to know if more follow). */
export interface PageRequest {
  after: number;
  limit: number;
}

export interface DeploymentFilter {
  service?: string;
  environment?: string;
  status?: DeploymentStatus;
  artifactId?: number;
}

export interface FlowFilter {
  service?: string;
  status?: FlowStatus;
  artifactId?: number;
}

const plain = { disableIdentityMap: true } as const;

/**
 * A condition on a text column's digest, so that lookups use the digest indexes that long
 * values need (see the artifact migration); callers compare the value itself too.
 */
export function byDigest(column: string, value: string): Record<string, unknown> {
  return { [raw(`md5(${column})`)]: raw('md5(?)', [value]) };
}
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/** The read side of the ledger: lists and lookups, each in a few batched queries, no locks. */
export class LedgerReads {
  constructor(private readonly db: Database) {}

  private em(): EntityManager {
    return this.db.em();
  }

  /** Artifacts in id order; `q` is a case-insensitive substring of group, name or version. */
  async artifacts(filter: { q?: string; group?: string; name?: string }, page: PageRequest): Promise<{ rows: Artifact[]; more: boolean }> {
    const where: FilterQuery<ArtifactRow> = { id: { $gt: page.after } };
    if (filter.group !== undefined) Object.assign(where, byDigest('artifact_group', filter.group), { group: filter.group });
    if (filter.name !== undefined) Object.assign(where, byDigest('name', filter.name), { name: filter.name });
    if (filter.q) {
      const like = `%${escapeLike(filter.q)}%`;
      where.$or = [{ group: { $ilike: like } }, { name: { $ilike: like } }, { version: { $ilike: like } }];
    }
    const rows = await this.em().find(ArtifactEntity, where, { ...plain, orderBy: { id: 'asc' }, limit: page.limit + 1 });
    return { rows: rows.slice(0, page.limit).map(artifactView), more: rows.length > page.limit };
  }

  async artifact(id: number): Promise<Artifact | null> {
    const row = await this.em().findOne(ArtifactEntity, id, plain);
    return row ? artifactView(row) : null;
  }

  /** The newest registered version of a module. */
  async latestArtifact(group: string, name: string): Promise<Artifact | null> {
    const row = await this.em().findOne(
      ArtifactEntity,
      { ...byDigest('artifact_group', group), ...byDigest('name', name), group, name },
      { ...plain, orderBy: { createdAt: 'desc', id: 'desc' } },
    );
    return row ? artifactView(row) : null;
  }

  async deployments(filter: DeploymentFilter, page: PageRequest): Promise<{ rows: Deployment[]; more: boolean }> {
    const where: FilterQuery<DeploymentRow> = { id: { $gt: page.after } };
    if (filter.service !== undefined) where.service = filter.service;
    if (filter.environment !== undefined) where.environment = filter.environment;
    if (filter.status !== undefined) where.status = filter.status;
    if (filter.artifactId !== undefined) where.artifactId = filter.artifactId;
    const em = this.em();
    const rows = await em.find(DeploymentEntity, where, { ...plain, orderBy: { id: 'asc' }, limit: page.limit + 1 });
    return { rows: await deploymentViews(em, rows.slice(0, page.limit)), more: rows.length > page.limit };
  }

  async deployment(id: number): Promise<Deployment | null> {
    const em = this.em();
    const row = await em.findOne(DeploymentEntity, id, plain);
    return row ? (await deploymentViews(em, [row]))[0]! : null;
  }

  async promotionResult(deploymentId: number, resultId: number): Promise<PromotionResult | null> {
    const row = await this.em().findOne(PromotionResultEntity, { id: resultId, deploymentId }, plain);
    return row ? promotionResultView(row) : null;
  }

  async flows(filter: FlowFilter, page: PageRequest): Promise<{ rows: Flow[]; more: boolean }> {
    const where: FilterQuery<FlowRow> = { id: { $gt: page.after } };
    if (filter.service !== undefined) where.service = filter.service;
    if (filter.status !== undefined) where.status = filter.status;
    if (filter.artifactId !== undefined) where.artifactId = filter.artifactId;
    const em = this.em();
    const rows = await em.find(FlowEntity, where, { ...plain, orderBy: { id: 'asc' }, limit: page.limit + 1 });
    return { rows: await flowViews(em, rows.slice(0, page.limit)), more: rows.length > page.limit };
  }

  async flow(id: number): Promise<Flow | null> {
    const em = this.em();
    const row = await em.findOne(FlowEntity, id, plain);
    return row ? (await flowViews(em, [row]))[0]! : null;
  }

  /** Deployments by status, for /metrics. */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.em().execute<{ status: string; count: string }[]>('select status, count(*) as count from deployment group by status');
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
  }
}
