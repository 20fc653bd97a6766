import pg from 'pg';
import type { Logger } from '../../plugin-api/logger.js';
import type { ScheduledTask, Scheduler } from '../../plugin-api/coreServices.js';

/**
 * Takes and gives back the lock of a named task. On PostgreSQL a session advisory lock on a
 * connection of the scheduler's own, so that instances sharing the database take turns; the
 * embedded database has one instance by construction (it owns its folder), so it needs none.
 */
export interface TaskLocks {
  tryLock(name: string): Promise<boolean>;
  unlock(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Locks for a process that is the only one on its database. */
export const processLocks = (): TaskLocks => {
  const held = new Set<string>();
  return {
    tryLock: async (name) => (held.has(name) ? false : (held.add(name), true)),
    unlock: async (name) => void held.delete(name),
    close: async () => held.clear(),
  };
};

/** Advisory locks on PostgreSQL, keyed by the task's name; one connection, opened at the first lock. */
export function advisoryLocks(url: string): TaskLocks {
  let client: Promise<pg.Client> | null = null;
  const connection = () =>
    (client ??= (async () => {
      const opened = new pg.Client({ connectionString: url, application_name: 'deploydb-scheduler' });
      opened.on('error', () => undefined);
      await opened.connect();
      return opened;
    })());
  // One statement at a time on the connection.
  let queue: Promise<unknown> = Promise.resolve();
  const run = <T>(statement: string, name: string) => {
    const next = queue.then(async () => (await connection()).query<{ locked: T }>(statement, [name]));
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    async tryLock(name) {
      const result = await run<boolean>(`select pg_try_advisory_lock(hashtext('deploydb.scheduler'), hashtext($1)) as locked`, name);
      return result.rows[0]?.locked === true;
    },
    async unlock(name) {
      await run(`select pg_advisory_unlock(hashtext('deploydb.scheduler'), hashtext($1)) as locked`, name);
    },
    async close() {
      const opened = client;
      client = null;
      if (opened) await (await opened.catch(() => null))?.end().catch(() => undefined);
    },
  };
}

/**
 * A plugin's scheduler (`coreServices.scheduler`): each task runs every N seconds, never twice at
 * once anywhere (the lock), a failure logged. `stopAll` ends the plugin's tasks, waiting for runs
 * in progress.
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
      } finally {
        await this.locks.unlock(lockName).catch(() => undefined);
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
      },
    };
    this.tasks.set(name, handle);
    return handle;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.tasks.values()].map((task) => task.stop()));
  }
}
