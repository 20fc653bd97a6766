import type { Database } from '../store/database.js';
import type { ConfigSnapshots } from '../store/snapshots.js';
import type { Ledger } from '../domain/ledger.js';
import type { PromotionPlugins } from '../domain/ports.js';
import { readEvaluation } from '../store/commandStore.js';
import { promotionTarget } from '../domain/promotionTarget.js';
import type { Clock } from '../plugin-api/clock.js';
import type { Logger } from '../plugin-api/logger.js';
import type { Verdict } from '../plugin-api/promotion.js';
import { WakeableLoop } from '../wakeableLoop.js';

export interface PromotionWorkerOptions {
  db: Database;
  ledger: Ledger;
  snapshots: ConfigSnapshots;
  plugins: PromotionPlugins;
  /** Due times and leases are read on this clock, the ledger's. */
  clock: Clock;
  /** The clock handed to plugins in each evaluation (default `clock`). */
  pluginClock?: Clock;
  logger: Logger;
  /** How often to look for due results when nothing wakes the worker (ms). */
  pollMs?: number;
  /** Results evaluated at once by this instance. */
  concurrency?: number;
  /** Evaluations in a row that may throw or time out before the result fails. */
  maxErrors?: number;
}

interface Claimed {
  id: number;
  deployment_id: number;
  type: string;
  attempts: number;
  state: unknown;
}

/**
 * Evaluates STARTED promotion results off the request path. A result is leased before it is
 * evaluated (`FOR UPDATE SKIP LOCKED`), so across DeployDB instances each is evaluated by one
 * at a time; a lease that runs out (a crashed instance) lets another take it over.
 */
export class PromotionWorker {
  private readonly inFlight = new Map<number, { promise: Promise<void>; abort: AbortController }>();
  private readonly loop: WakeableLoop;
  private nextTimedWake: number | null = null;

  constructor(private readonly options: PromotionWorkerOptions) {
    this.loop = new WakeableLoop({
      round: () => this.poll(),
      idleMs: options.pollMs ?? 1000,
      onError: (error) => options.logger.warn({ err: error }, 'promotion worker could not claim results'),
    });
  }

  private get running(): boolean {
    return this.loop.isRunning;
  }

  start(): void {
    this.loop.start();
  }

  /** Look for due results now (after a commit that started some). */
  wake(): void {
    this.loop.wake();
  }

  /** Stops claiming; lets evaluations in flight finish for up to `graceMs`, then aborts them. */
  async stop(graceMs = 10_000): Promise<void> {
    await this.loop.stop();
    const all = Promise.allSettled([...this.inFlight.values()].map((e) => e.promise));
    const grace = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    if ((await Promise.race([all.then(() => 'done'), grace])) !== 'done') {
      for (const evaluation of this.inFlight.values()) evaluation.abort.abort(new Error('DeployDB is stopping'));
      await all;
    }
  }

  private async poll(): Promise<void> {
    const free = (this.options.concurrency ?? 16) - this.inFlight.size;
    if (free <= 0) return;
    for (const row of await this.claim(free)) {
      const abort = new AbortController();
      const promise = this.evaluate(row, abort).finally(() => {
        this.inFlight.delete(row.id);
        this.wake();
      });
      this.inFlight.set(row.id, { promise, abort });
    }
  }

  private async claim(limit: number): Promise<Claimed[]> {
    const types = this.options.plugins.types();
    if (types.length === 0) return [];
    // Due times are written from the kernel's clock, so they are compared with it too.
    const now = this.options.clock.now().toISOString();
    return this.options.db.backgroundSql<Claimed>(
      `update promotion_result r
          set lease_until = ?::timestamptz + make_interval(secs => ?), attempts = r.attempts + 1
        where r.id = any(array(
          select id from promotion_result
           where status = 'STARTED' and next_check_at <= ?::timestamptz
             and (lease_until is null or lease_until < ?::timestamptz)
             and type in (${types.map(() => '?').join(', ')})
           order by next_check_at
           limit ?
           for update skip locked))
        returning r.id, r.deployment_id, r.type, r.attempts, r.state`,
      [now, LEASE_SECONDS, now, now, ...types, limit],
    );
  }

  private async evaluate(row: Claimed, abort: AbortController): Promise<void> {
    const { db, ledger, snapshots, plugins, clock, logger } = this.options;
    const plugin = plugins.instance(row.type);
    if (!plugin) return;
    const timeoutSeconds = Math.min(plugin.evaluationTimeout ?? 60, LEASE_SECONDS - 5);
    const log = logger.child({ promotionResult: row.id, type: row.type, attempt: row.attempts });
    let verdict: Verdict;
    let evaluatedAt: Date;
    try {
      const subject = await readEvaluation(db, snapshots, row.deployment_id, row.id);
      if (!subject) return;
      evaluatedAt = subject.result.updatedAt;
      const target = promotionTarget(subject.model, subject.state, subject.result, subject.reports);
      const timeout = setTimeout(() => abort.abort(new Error(`evaluation took longer than ${timeoutSeconds} s`)), timeoutSeconds * 1000);
      try {
        verdict = await Promise.race([
          Promise.resolve(plugin.evaluate({ ...target, attempt: row.attempts, state: row.state ?? null, signal: abort.signal, logger: log, clock: this.options.pluginClock ?? clock })),
          new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true })),
        ]);
      } finally {
        clearTimeout(timeout);
      }
    } catch (error) {
      if (!this.running) {
        // Cut short by the stop, not failed: another instance (or the next start) takes it now.
        await db.backgroundSql('update promotion_result set lease_until = null where id = ?', [row.id]).catch(() => undefined);
        return;
      }
      log.warn({ err: error }, 'promotion evaluation failed');
      await ledger.recordEvaluationError(row.id, (error as Error).message ?? String(error), this.options.maxErrors ?? 5).catch((e) => log.error({ err: e }, 'could not record the failed evaluation'));
      return;
    }
    await ledger.recordEvaluation(row.id, verdict, evaluatedAt).catch((error) => log.error({ err: error }, 'could not record the evaluation'));
    if (verdict.status === 'PENDING' && verdict.checkAgainIn !== undefined) this.wakeIn(verdict.checkAgainIn * 1000);
  }

  /** Look again when a result this instance evaluated asked to be (sooner than the next poll). */
  private wakeIn(ms: number): void {
    if (!this.running) return;
    const at = Date.now() + ms;
    if (this.nextTimedWake !== null && this.nextTimedWake <= at) return;
    this.nextTimedWake = at;
    setTimeout(() => {
      if (this.nextTimedWake === at) this.nextTimedWake = null;
      this.wake();
    }, ms).unref();
  }
}

/** How long a claimed result stays with this instance before another may take it over. */
const LEASE_SECONDS = 300;
