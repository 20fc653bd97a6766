import type { DeployDbConfig } from '../config/model.js';
import type { ModelIndex } from '../config/modelIndex.js';
import type { Ledger } from '../domain/ledger.js';
import type { LedgerReads } from '../store/ledgerReads.js';
import type { PlacementReads } from '../store/placementReads.js';
import type { DoraReport } from '../domain/dora.js';
import type { HealthReport } from '../kernel/health.js';
import type { TriggerService } from '../events/triggers/triggerService.js';
import type { WebhookDeliveries } from '../events/webhooks/deliveries.js';
import type { DashboardAssets } from './dashboardAssets.js';
import type { EventStreamHub } from '../events/stream/eventStreamHub.js';
import type { PendingAudit } from '../domain/audit.js';
import type { AuditFilter, AuditPage, AuditPosition } from '../store/auditEntries.js';

/** What a reload answers: the snapshot flows started from now on take. */
export interface Reloaded {
  snapshotId: number;
}

/** What routes may use: the ledger's commands and reads, the current configuration, the kernel's admin hooks. */
export interface ApiContext {
  ledger: Ledger;
  reads: LedgerReads;
  /** What runs where, now and at past moments, and its history. */
  placements: PlacementReads;
  /** DORA figures for services and environments over a window. */
  dora(filter: { service?: string; environment?: string }, window: { from: Date; to: Date }): Promise<DoraReport>;
  /** The kernel's clock. */
  now(): Date;
  triggers: TriggerService;
  webhooks: WebhookDeliveries;
  /** The live event stream's clients. */
  eventStream: EventStreamHub;
  /** A page of the audit trail, newest first. */
  auditEntries(filter: AuditFilter, page: { after: AuditPosition | null; limit: number }): Promise<AuditPage>;
  dashboard: DashboardAssets;
  config(): DeployDbConfig;
  model(): ModelIndex;
  /** Reloads deploydb.yaml; throws the configuration's errors and keeps the old one. `audit` is written with the new snapshot. */
  reload(audit?: PendingAudit<Reloaded>): Promise<Reloaded>;
  health(): Promise<HealthReport>;
  metricsText(): Promise<{ contentType: string; body: string }>;
  openapi(): unknown;
  /** The AsyncAPI 3.0 document of the events and triggers. */
  asyncapi(): unknown;
}
