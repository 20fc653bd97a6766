import type { Logger } from '../plugin-api/logger.js';
import type { Database } from './database.js';

/**
 * Vacuums a small work-list table (`outbox_pending`, `webhook_due`) after every `every` rows
 * taken off it. Each row deleted leaves a dead entry that every look at the list walks past until
 * a vacuum removes it; PostgreSQL's autovacuum may come much later or not at all. The table being
 * small, its vacuum is quick. A failure (no right to vacuum, say) is logged, never thrown.
 */
export class PeriodicVacuum {
  private since = 0;

  constructor(
    private readonly db: Database,
    private readonly table: 'outbox_pending' | 'webhook_due',
    private readonly every: number,
    private readonly logger: Logger,
  ) {}

  /** Counts `rows` taken off the table, and vacuums it when they reach `every`. */
  async taken(rows: number): Promise<void> {
    this.since += rows;
    if (this.since < this.every) return;
    this.since = 0;
    await this.db.backgroundSql(`vacuum ${this.table}`).catch((error) => this.logger.warn({ err: error }, `cannot vacuum ${this.table}`));
  }
}
