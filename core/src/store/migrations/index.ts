import type { MigrationObject } from '@mikro-orm/core';
import { M001Ledger } from './m001_ledger.js';
import { M002Queue } from './m002_queue.js';
import { M003Webhooks } from './m003_webhooks.js';
import { M004Triggers } from './m004_triggers.js';
import { M005QueueClaims } from './m005_queue_claims.js';
import { M006Placements } from './m006_placements.js';
import { M007EventIds } from './m007_event_ids.js';
import { M008InstallationAudit } from './m008_installation_audit.js';
import { M009QueuePointers } from './m009_queue_pointers.js';
import { M010OutboxPending } from './m010_outbox_pending.js';
import { M011WebhookDue } from './m011_webhook_due.js';
import { M012WebhookDueByTime } from './m012_webhook_due_by_time.js';
import { M013CurrentSpellsByDeployment } from './m013_current_spells_by_deployment.js';
import { M014DeploymentReasons } from './m014_deployment_reasons.js';

/** Every migration, in order. Listed in code so the built package needs no migration files on disk. */
export const migrationsList: MigrationObject[] = [
  { name: 'm001_ledger', class: M001Ledger },
  { name: 'm002_queue', class: M002Queue },
  { name: 'm003_webhooks', class: M003Webhooks },
  { name: 'm004_triggers', class: M004Triggers },
  { name: 'm005_queue_claims', class: M005QueueClaims },
  { name: 'm006_placements', class: M006Placements },
  { name: 'm007_event_ids', class: M007EventIds },
  { name: 'm008_installation_audit', class: M008InstallationAudit },
  { name: 'm009_queue_pointers', class: M009QueuePointers },
  { name: 'm010_outbox_pending', class: M010OutboxPending },
  { name: 'm011_webhook_due', class: M011WebhookDue },
  { name: 'm012_webhook_due_by_time', class: M012WebhookDueByTime },
  { name: 'm013_current_spells_by_deployment', class: M013CurrentSpellsByDeployment },
  { name: 'm014_deployment_reasons', class: M014DeploymentReasons },
];
