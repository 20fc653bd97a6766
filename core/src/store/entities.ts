import { BigIntType, EntitySchema } from '@mikro-orm/core';
import type { DeploymentKind, DeploymentStatus, FlowStatus, PromotionStatus } from '../domain/shapes.js';
import type { FlowModel } from '../config/model.js';

/*
 * Tables as MikroORM entities. Rows reference each other by plain integer ids: commands read
 * and write them with native queries (no unit of work on hot paths), so relations would only
 * add wrapping.
 */

const timestamp = { type: 'datetime', columnType: 'timestamptz(3)' } as const;
const nullableText = { type: 'text', nullable: true } as const;

export interface ConfigSnapshotRow {
  id: number;
  hash: string;
  model: FlowModel;
  createdAt: Date;
}
export const ConfigSnapshotEntity = new EntitySchema<ConfigSnapshotRow>({
  name: 'ConfigSnapshot',
  tableName: 'config_snapshot',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    hash: { type: 'text', unique: true },
    model: { type: 'json' },
    createdAt: timestamp,
  },
});

export interface ArtifactRow {
  id: number;
  group: string;
  name: string;
  version: string;
  sourceUrl: string;
  /** The source revision (e.g. a commit SHA), when CI gave it. */
  revision: string | null;
  /** When that revision was committed, when CI gave it: where lead time starts. */
  committedAt: Date | null;
  createdAt: Date;
}
export const ArtifactEntity = new EntitySchema<ArtifactRow>({
  name: 'Artifact',
  tableName: 'artifact',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    group: { type: 'text', fieldName: 'artifact_group' },
    name: { type: 'text' },
    version: { type: 'text' },
    sourceUrl: { type: 'text' },
    revision: nullableText,
    committedAt: { ...timestamp, nullable: true },
    createdAt: timestamp,
  },
});

export interface FlowRow {
  id: number;
  artifactId: number;
  service: string;
  pipeline: string;
  status: FlowStatus;
  snapshotId: number;
  createdAt: Date;
  updatedAt: Date;
}
export const FlowEntity = new EntitySchema<FlowRow>({
  name: 'Flow',
  tableName: 'flow',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    artifactId: { type: 'integer' },
    service: { type: 'text' },
    pipeline: { type: 'text' },
    status: { type: 'text' },
    snapshotId: { type: 'integer' },
    createdAt: timestamp,
    updatedAt: timestamp,
  },
});

export interface DeploymentRow {
  id: number;
  /** The flow that made it; null for a direct deployment. */
  flowId: number | null;
  artifactId: number;
  service: string;
  /** The flow's pipeline; null for a direct deployment. */
  pipeline: string | null;
  environment: string;
  /** Position of the environment in the flow's pipeline; null for a direct deployment. */
  stage: number | null;
  /** The configuration snapshot it was made with (a flow's, copied here so commands need not read the flow). */
  snapshotId: number;
  kind: DeploymentKind;
  status: DeploymentStatus;
  /** Every status this deployment has had, oldest first: what makes a repeated report a repeat. */
  history: DeploymentStatus[];
  reason: string | null;
  /** When `reason` was reported. */
  reasonAt: Date | null;
  /** When it reached its current status. */
  statusAt: Date;
  /** When it reached each status (each happens at most once; CREATED is `createdAt`). */
  startedAt: Date | null;
  completedAt: Date | null;
  verifiedAt: Date | null;
  failedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
export const DeploymentEntity = new EntitySchema<DeploymentRow>({
  name: 'Deployment',
  tableName: 'deployment',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    flowId: { type: 'integer', nullable: true },
    artifactId: { type: 'integer' },
    service: { type: 'text' },
    pipeline: nullableText,
    environment: { type: 'text' },
    stage: { type: 'integer', nullable: true },
    snapshotId: { type: 'integer' },
    kind: { type: 'text' },
    status: { type: 'text' },
    history: { type: 'json' },
    reason: nullableText,
    reasonAt: { ...timestamp, nullable: true },
    statusAt: timestamp,
    startedAt: { ...timestamp, nullable: true },
    completedAt: { ...timestamp, nullable: true },
    verifiedAt: { ...timestamp, nullable: true },
    failedAt: { ...timestamp, nullable: true },
    createdAt: timestamp,
    updatedAt: timestamp,
  },
});

export interface PromotionResultRow {
  id: number;
  deploymentId: number;
  /** Config order within the deployment. */
  position: number;
  promotion: string;
  type: string;
  status: PromotionStatus;
  infoUrl: string | null;
  reason: string | null;
  actor: string | null;
  /** What the evaluations found (HTTP statuses, build URLs, per-host outcomes). */
  evidence: Record<string, unknown> | null;
  /** The plugin's own progress between evaluations. */
  state: unknown;
  attempts: number;
  /** Evaluations in a row that threw or timed out; reset by any answer. */
  errors: number;
  /** When the worker should evaluate it next; null while it waits for a report or is settled. */
  nextCheckAt: Date | null;
  /** Held by the instance evaluating it until then. */
  leaseUntil: Date | null;
  /** When it became SUCCESS or FAILED. */
  settledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
export const PromotionResultEntity = new EntitySchema<PromotionResultRow>({
  name: 'PromotionResult',
  tableName: 'promotion_result',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    deploymentId: { type: 'integer' },
    position: { type: 'integer' },
    promotion: { type: 'text' },
    type: { type: 'text' },
    status: { type: 'text' },
    infoUrl: nullableText,
    reason: nullableText,
    actor: nullableText,
    evidence: { type: 'json', nullable: true },
    state: { type: 'json', nullable: true },
    attempts: { type: 'integer' },
    errors: { type: 'integer' },
    nextCheckAt: { ...timestamp, nullable: true },
    leaseUntil: { ...timestamp, nullable: true },
    settledAt: { ...timestamp, nullable: true },
    createdAt: timestamp,
    updatedAt: timestamp,
  },
});

export interface PromotionReportRow {
  id: number;
  resultId: number;
  status: 'SUCCESS' | 'FAILED';
  infoUrl: string | null;
  reason: string | null;
  actor: string | null;
  createdAt: Date;
}
export const PromotionReportEntity = new EntitySchema<PromotionReportRow>({
  name: 'PromotionReport',
  tableName: 'promotion_report',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    resultId: { type: 'integer' },
    status: { type: 'text' },
    infoUrl: nullableText,
    reason: nullableText,
    actor: nullableText,
    createdAt: timestamp,
  },
});

export interface OutboxEventRow {
  id: number;
  eventId: string;
  type: string;
  /** Events with one key are published in id order (a deployment's events). */
  orderKey: string;
  event: Record<string, unknown>;
  createdAt: Date;
  publishedAt: Date | null;
}
export const OutboxEventEntity = new EntitySchema<OutboxEventRow>({
  name: 'OutboxEvent',
  tableName: 'outbox_event',
  properties: {
    id: { type: new BigIntType('number'), primary: true, autoincrement: true },
    eventId: { type: 'uuid' },
    type: { type: 'text' },
    orderKey: { type: 'text' },
    event: { type: 'json', columnType: 'json' },
    createdAt: timestamp,
    publishedAt: { ...timestamp, nullable: true },
  },
});

/** Per environment and service: what runs there now and what is in flight (see migration m006). */
export interface PlacementRow {
  environment: string;
  service: string;
  currentId: number | null;
  inFlightId: number | null;
  inFlightCreatedAt: Date | null;
  inFlightRecomputedAt: Date | null;
  changedAt: Date | null;
}
export const PlacementEntity = new EntitySchema<PlacementRow>({
  name: 'Placement',
  tableName: 'placement',
  properties: {
    environment: { type: 'text', primary: true },
    service: { type: 'text', primary: true },
    currentId: { type: 'integer', nullable: true },
    inFlightId: { type: 'integer', nullable: true },
    inFlightCreatedAt: { ...timestamp, nullable: true },
    inFlightRecomputedAt: { ...timestamp, nullable: true },
    changedAt: { ...timestamp, nullable: true },
  },
});

/** From `at` on, `deploymentId` holds `role` (current or in flight) there; null: nothing does. */
export interface PlacementChangeRow {
  id: number;
  environment: string;
  service: string;
  role: 'current' | 'in_flight';
  at: Date;
  deploymentId: number | null;
}
export const PlacementChangeEntity = new EntitySchema<PlacementChangeRow>({
  name: 'PlacementChange',
  tableName: 'placement_change',
  properties: {
    // The table's key is (environment, service, role, at, id) (see m006); `id` only breaks ties.
    id: { type: new BigIntType('number'), primary: true, autoincrement: true },
    environment: { type: 'text' },
    service: { type: 'text' },
    role: { type: 'text' },
    at: timestamp,
    deploymentId: { type: 'integer', nullable: true },
  },
});

/** One entry of the audit trail (CONTRACT §15); never pruned. */
export interface AuditEntryRow {
  id: number;
  at: Date;
  actor: string;
  action: string;
  target: string;
  outcome: number;
  detail: Record<string, unknown>;
}
export const AuditEntryEntity = new EntitySchema<AuditEntryRow>({
  name: 'AuditEntry',
  tableName: 'audit_entry',
  properties: {
    id: { type: new BigIntType('number'), primary: true, autoincrement: true },
    at: timestamp,
    actor: { type: 'text' },
    action: { type: 'text' },
    target: { type: 'text' },
    outcome: { type: 'integer' },
    detail: { type: 'json', columnType: 'jsonb' },
  },
});

export const entities = [
  ConfigSnapshotEntity,
  ArtifactEntity,
  FlowEntity,
  DeploymentEntity,
  PromotionResultEntity,
  PromotionReportEntity,
  OutboxEventEntity,
  PlacementEntity,
  PlacementChangeEntity,
  AuditEntryEntity,
];
