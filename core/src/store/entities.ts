import { BigIntType, EntitySchema } from '@mikro-orm/core';
import type { DeploymentStatus, FlowStatus, PromotionStatus } from '../domain/shapes.js';
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
  flowId: number;
  artifactId: number;
  service: string;
  pipeline: string;
  environment: string;
  /** Position of the environment in the flow's pipeline. */
  stage: number;
  /** The flow's configuration snapshot (copied here so commands need not read the flow). */
  snapshotId: number;
  status: DeploymentStatus;
  /** Every status this deployment has had, oldest first: what makes a repeated report a repeat. */
  history: DeploymentStatus[];
  reason: string | null;
  /** When it reached its current status. */
  statusAt: Date;
  createdAt: Date;
  updatedAt: Date;
}
export const DeploymentEntity = new EntitySchema<DeploymentRow>({
  name: 'Deployment',
  tableName: 'deployment',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    flowId: { type: 'integer' },
    artifactId: { type: 'integer' },
    service: { type: 'text' },
    pipeline: { type: 'text' },
    environment: { type: 'text' },
    stage: { type: 'integer' },
    snapshotId: { type: 'integer' },
    status: { type: 'text' },
    history: { type: 'json' },
    reason: nullableText,
    statusAt: timestamp,
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
  AuditEntryEntity,
];
