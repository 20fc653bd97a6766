import type { Database } from '../store/database.js';
import type { Logger } from '../plugin-api/logger.js';

/** How long finished records are kept: published events, delivered webhooks, trigger receipts. */
export const RETENTION_DAYS = 7;

const STATEMENTS = [
  `delete from outbox_event o where o.created_at < now() - make_interval(days => ?)
     and not exists (select 1 from outbox_pending p where p.id = o.id)`,
  `delete from webhook_delivery where status = 'delivered' and updated_at < now() - make_interval(days => ?)`,
  `delete from trigger_receipt where status is not null and created_at < now() - make_interval(days => ?)`,
];

/**
 * Deletes what no one needs any more, once an hour: events already on the bus (by when they were
 * made), webhooks already delivered (failed ones stay until retried), receipts past any sensible
 * redelivery of a trigger.
 * The ledger itself (artifacts, flows, deployments, results) is never pruned.
 */
export class Retention {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly days = RETENTION_DAYS,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.prune(), 3_600_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async prune(): Promise<void> {
    for (const statement of STATEMENTS) {
      await this.db.backgroundSql(statement, [this.days]).catch((error) => this.logger.warn({ err: error }, 'retention: pruning failed'));
    }
  }
}
