import { Migration } from '@mikro-orm/migrations';

/**
 * The changes that made a deployment current, found by the deployment: DORA asks, for each
 * deployment completed in its window, whether a rollback replaced it in any of its spells as
 * current (it may be current again after the one that replaced it failed). Only `current` changes
 * are indexed: they come with completions and failures, never with a registration.
 */
export class M013CurrentSpellsByDeployment extends Migration {
  override up(): void {
    this.addSql(`create index placement_change_current_by_deployment_idx on placement_change (deployment_id) where role = 'current';`);
  }
}
