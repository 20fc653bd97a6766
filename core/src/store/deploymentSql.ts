import type { ArtifactRow, DeploymentRow, PromotionResultRow } from '../domain/rows.js';

/**
 * Whole deployments (with their artifact and promotion results) read in one statement, for the
 * reads that must stay fast at any size of history: select `DEPLOYMENT_COLUMNS` from `deployment d`
 * joined with `artifact a`, and turn each row into the store's rows with `deploymentOfSql`.
 */
export const DEPLOYMENT_COLUMNS = `
  d.id, d.flow_id, d.artifact_id, d.service, d.pipeline, d.environment, d.stage, d.snapshot_id, d.kind, d.status,
  d.history, d.reason, d.reasons, d.status_at, d.started_at, d.completed_at, d.verified_at, d.failed_at,
  d.created_at, d.updated_at,
  a.artifact_group as a_group, a.name as a_name, a.version as a_version, a.source_url as a_source_url,
  a.revision as a_revision, a.committed_at as a_committed_at, a.created_at as a_created_at,
  (select coalesce(json_agg(json_build_object(
      'id', r.id, 'position', r.position, 'promotion', r.promotion, 'type', r.type, 'status', r.status,
      'info_url', r.info_url, 'reason', r.reason, 'actor', r.actor, 'evidence', r.evidence,
      'next_check_at', r.next_check_at, 'settled_at', r.settled_at, 'created_at', r.created_at, 'updated_at', r.updated_at
    ) order by r.position), '[]'::json)
    from promotion_result r where r.deployment_id = d.id) as results`;

export type SqlValue = string | number | boolean | Date | null | Record<string, unknown> | unknown[];
export type SqlRow = Record<string, SqlValue>;

const date = (value: SqlValue | undefined): Date => (value instanceof Date ? value : new Date(value as string));
const maybeDate = (value: SqlValue | undefined): Date | null => (value === null || value === undefined ? null : date(value));
const text = (value: SqlValue | undefined): string | null => (value === null || value === undefined ? null : String(value));
const int = (value: SqlValue | undefined): number | null => (value === null || value === undefined ? null : Number(value));

/** A row selected with `DEPLOYMENT_COLUMNS`, as the store's rows. */
export function deploymentOfSql(r: SqlRow): { row: DeploymentRow; artifact: ArtifactRow; results: PromotionResultRow[] } {
  const row: DeploymentRow = {
    id: Number(r.id),
    flowId: int(r.flow_id),
    artifactId: Number(r.artifact_id),
    service: String(r.service),
    pipeline: text(r.pipeline),
    environment: String(r.environment),
    stage: int(r.stage),
    snapshotId: Number(r.snapshot_id),
    kind: r.kind as DeploymentRow['kind'],
    status: r.status as DeploymentRow['status'],
    history: (typeof r.history === 'string' ? JSON.parse(r.history) : r.history) as DeploymentRow['history'],
    reason: text(r.reason),
    reasons: (typeof r.reasons === 'string' ? JSON.parse(r.reasons) : r.reasons) as DeploymentRow['reasons'],
    statusAt: date(r.status_at),
    startedAt: maybeDate(r.started_at),
    completedAt: maybeDate(r.completed_at),
    verifiedAt: maybeDate(r.verified_at),
    failedAt: maybeDate(r.failed_at),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
  const artifact: ArtifactRow = {
    id: row.artifactId,
    group: String(r.a_group),
    name: String(r.a_name),
    version: String(r.a_version),
    sourceUrl: String(r.a_source_url),
    revision: text(r.a_revision),
    committedAt: maybeDate(r.a_committed_at),
    createdAt: date(r.a_created_at),
  };
  const raw = (typeof r.results === 'string' ? JSON.parse(r.results) : r.results) as SqlRow[];
  const results = raw.map(
    (x): PromotionResultRow => ({
      id: Number(x.id),
      deploymentId: row.id,
      position: Number(x.position),
      promotion: String(x.promotion),
      type: String(x.type),
      status: x.status as PromotionResultRow['status'],
      infoUrl: text(x.info_url),
      reason: text(x.reason),
      actor: text(x.actor),
      evidence: (x.evidence ?? null) as PromotionResultRow['evidence'],
      state: null,
      attempts: 0,
      errors: 0,
      nextCheckAt: maybeDate(x.next_check_at),
      leaseUntil: null,
      settledAt: maybeDate(x.settled_at),
      createdAt: date(x.created_at),
      updatedAt: date(x.updated_at),
    }),
  );
  return { row, artifact, results };
}
