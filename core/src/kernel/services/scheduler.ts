import pg from 'pg';
import type { Logger } from '../../plugin-api/logger.js';
import type { ScheduledTask, Scheduler } from '../../plugin-api/coreServices.js';

/**
 * The locks of named tasks. The instance that takes a task's lock keeps it, and runs the task at
 * each of its times, until the task stops (or, on PostgreSQL, its connection ends): the others
 * find it taken, so the task runs every N seconds on one instance, not once per instance. Should
 * that instance go away, its lock goes with its connection, and another takes the task over at
 * its next time. On PostgreSQL a session advisory lock on a connection of the scheduler's own; the
 * embedded database has one instance by construction (it owns its folder), so it needs none.
 */
export interface TaskLocks {
  /** Whether this instance holds the task's lock: it already did, or has just taken it. */
  tryLock(name: string): Promise<boolean>;
  unlock(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Locks for a process that is the only one on its database: every task is its own. */
export const processLocks = (): TaskLocks => ({
  tryLock: async () => true,
  unlock: async () => undefined,
  close: async () => undefined,
});

/** Advisory locks on PostgreSQL, keyed by the task's name; one connection, opened at the first lock. */
export function advisoryLocks(url: string): TaskLocks {
  let client: Promise<pg.Client> | null = null;
  /** The locks this connection holds; it loses them all with the connection. */
  const held = new Set<string>();
  const lost = (opened: Promise<pg.Client>) => {
    if (client !== opened) return;
    client = null;
    held.clear();
  };
  const connection = () => {
    if (client) return client;
    const opening: Promise<pg.Client> = (async () => {
      const opened = new pg.Client({ connectionString: url, application_name: 'deploydb-scheduler' });
      opened.on('error', () => lost(opening));
      opened.on('end', () => lost(opening));
      await opened.connect();
      return opened;
    })();
    opening.catch(() => lost(opening));
    return (client = opening);
  };
  // One statement at a time on the connection.
  let queue: Promise<unknown> = Promise.resolve();
  const run = <T>(statement: string, name: string) => {
    const next = queue.then(async () => (await connection()).query<{ locked: T }>(statement, [name]));
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    async tryLock(name) {
      if (held.has(name)) return true;
      const result = await run<boolean>(`select pg_try_advisory_lock(hashtext('deploydb.scheduler'), hashtext($1)) as locked`, name);
      const locked = result.rows[0]?.locked === true;
      if (locked) held.add(name);
      return locked;
    },
    async unlock(name) {
      if (!held.delete(name)) return;
      await run(`select pg_advisory_unlock(hashtext('deploydb.scheduler'), hashtext($1)) as locked`, name);
    },
    async close() {
      const opened = client;
      client = null;
      held.clear();
      if (opened) await (await opened.catch(() => null))?.end().catch(() => undefined);
    },
  };
}

/**
 * A plugin's scheduler (`coreServices.scheduler`): each task runs every N seconds on the one
 * instance holding its lock, never twice at once, a failure logged. `stopAll` ends the plugin's
 * tasks, waiting for runs in progress, and gives their locks back.
 */
export class PluginScheduler implements Scheduler {
  private readonly tasks = new Map<string, { stop(): Promise<void> }>();

  constructor(
    private readonly owner: string,
    private readonly locks: TaskLocks,
    private readonly logger: Logger,
  ) {}

  every(name: string, seconds: number, task: (signal: AbortSignal) => Promise<void> | void): ScheduledTask {
    if (!(seconds > 0)) throw new RangeError(`a task runs every so many seconds, more than 0 (got ${seconds})`);
    if (this.tasks.has(name)) throw new Error(`task "${name}" is already scheduled`);
    const lockName = `${this.owner}/${name}`;
    const abort = new AbortController();
    let running: Promise<void> | null = null;
    const tick = async () => {
      if (!(await this.locks.tryLock(lockName).catch(() => false))) return;
      try {
        await task(abort.signal);
      } catch (error) {
        this.logger.error({ err: error, task: name }, 'scheduled task failed');
      }
    };
    const timer = setInterval(() => {
      // A run still going when the next is due: that one is skipped.
      if (abort.signal.aborted || running) return;
      running = tick().finally(() => (running = null));
    }, seconds * 1000);
    timer.unref();
    const handle = {
      stop: async () => {
        clearInterval(timer);
        abort.abort();
        this.tasks.delete(name);
        await running;
        await this.locks.unlock(lockName).catch(() => undefined);
      },
    };
    this.tasks.set(name, handle);
    return handle;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.tasks.values()].map((task) => task.stop()));
  }
}
