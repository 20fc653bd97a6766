import { BigIntType, EntitySchema } from '@mikro-orm/core';
import type { ArtifactRow, DeploymentRow, FlowRow, PromotionReportRow, PromotionResultRow } from '../domain/rows.js';

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
    reasons: { type: 'json', nullable: true },
    statusAt: timestamp,
    startedAt: { ...timestamp, nullable: true },
    completedAt: { ...timestamp, nullable: true },
    verifiedAt: { ...timestamp, nullable: true },
    failedAt: { ...timestamp, nullable: true },
    createdAt: timestamp,
    updatedAt: timestamp,
  },
});

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
}
/** An event is unpublished while its id is in `outbox_pending` (see migration m010). */
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

/** The tables commands write rows to, by name, with the type of their rows. */
export const TABLES = {
  artifact: ArtifactEntity,
  flow: FlowEntity,
  deployment: DeploymentEntity,
  promotion_result: PromotionResultEntity,
  promotion_report: PromotionReportEntity,
  outbox_event: OutboxEventEntity,
  placement: PlacementEntity,
  placement_change: PlacementChangeEntity,
  audit_entry: AuditEntryEntity,
} as const;
export type TableName = keyof typeof TABLES;
/** The rows of each table of {@link TABLES}. */
export interface TableRows {
  artifact: ArtifactRow;
  flow: FlowRow;
  deployment: DeploymentRow;
  promotion_result: PromotionResultRow;
  promotion_report: PromotionReportRow;
  outbox_event: OutboxEventRow;
  placement: PlacementRow;
  placement_change: PlacementChangeRow;
  audit_entry: AuditEntryRow;
}
export type RowOf<N extends TableName> = TableRows[N];

export const entities = [ConfigSnapshotEntity, ...Object.values(TABLES)];
