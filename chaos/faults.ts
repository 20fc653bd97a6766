/**
 * What goes wrong during a chaos run, on a schedule: a random instance SIGKILLed every few
 * seconds and started again, and timed windows (the bus's outage, the webhook receiver failing).
 */
import type { Instance } from './processes.js';

export interface KillFigures {
  kills: number;
  /** When the last SIGKILL was sent (ms since the epoch), and which instance took it. */
  lastKill: { at: number; instance: string } | null;
  /** Seconds from the last SIGKILL until that instance answered /health with 200 again. */
  lastBackInSeconds: number | null;
  /** Seconds each restart took, from the start of the process to its first /health 200. */
  startSeconds: number[];
  /** Restarts that failed (the instance is tried again at the next round). */
  failedRestarts: string[];
}

export interface Killer {
  figures: KillFigures;
  /** Stops killing; resolves once every instance runs again. */
  stop(): Promise<void>;
}

/**
 * Every `everyMs` (± half), SIGKILLs a random serving instance and, `downMs` (± half) later,
 * starts it again, without waiting for that start before the next kill: a start takes seconds
 * on a busy machine, and kills come every few seconds. At least one instance always serves.
 */
export function startKiller(instances: Instance[], { everyMs, downMs, random = Math.random }: { everyMs: number; downMs: number; random?: () => number }): Killer {
  const figures: KillFigures = { kills: 0, lastKill: null, lastBackInSeconds: null, startSeconds: [], failedRestarts: [] };
  const restarts = new Set<Promise<void>>();
  let stopped = false;
  let wake: () => void = () => undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const jitter = (ms: number) => ms * (0.5 + random());

  async function killAndRestart(victim: Instance): Promise<void> {
    const at = Date.now();
    await victim.kill();
    figures.kills += 1;
    figures.lastKill = { at, instance: victim.name };
    await new Promise((resolve) => setTimeout(resolve, jitter(downMs)));
    const starting = Date.now();
    await victim.start().then(
      () => {
        figures.startSeconds.push((Date.now() - starting) / 1000);
        if (figures.lastKill?.at === at) figures.lastBackInSeconds = (Date.now() - at) / 1000;
      },
      (error) => figures.failedRestarts.push(`${victim.name}: ${String(error)}`),
    );
  }

  const loop = (async () => {
    for (;;) {
      await sleep(jitter(everyMs));
      if (stopped) return;
      const serving = instances.filter((i) => i.serving());
      if (serving.length < 2) continue;
      const restart = killAndRestart(serving[Math.floor(random() * serving.length)]!);
      restarts.add(restart);
      void restart.finally(() => restarts.delete(restart));
    }
  })();

  return {
    figures,
    async stop() {
      stopped = true;
      wake();
      await loop;
      await Promise.all([...restarts]);
      for (const instance of instances) if (!instance.up()) await instance.start();
    },
  };
}

/** Runs `action` once, `afterMs` from now; the promise settles with its result (or error text). */
export function after<T>(afterMs: number, action: () => Promise<T>): Promise<T | string> {
  return new Promise((resolve) => setTimeout(resolve, afterMs)).then(action).catch((error) => `failed: ${String(error)}`);
}
