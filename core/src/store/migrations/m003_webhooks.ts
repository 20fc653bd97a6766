import { Migration } from '@mikro-orm/migrations';

/** Outbound webhook deliveries. */
export class M003Webhooks extends Migration {
  override up(): void {
    this.addSql(`select 1;`);
  }
}
