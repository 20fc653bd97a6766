import { Migration } from '@mikro-orm/migrations';

/**
 * A deployment keeps the reason reported with each status it reached (`reasons`, by status; the
 * one given at creation under CREATED), not only the last one and its time: shown as of a past
 * moment, a deployment has the last reason reported by then, which a later report replaced.
 * A reason kept before this migration is put under the status it was reported with (the status
 * reached at its time); `reason` stays the last one, as the API answers it now.
 */
export class M014DeploymentReasons extends Migration {
  override up(): void {
    this.addSql(`
alter table deployment add column reasons jsonb;
update deployment set reasons = jsonb_build_object(
    case when reason_at = failed_at then 'FAILED' when reason_at = verified_at then 'VERIFIED'
         when reason_at = completed_at then 'COMPLETED' when reason_at = started_at then 'STARTED' else 'CREATED' end,
    reason)
 where reason is not null;
alter table deployment drop column reason_at;
`);
  }
}
