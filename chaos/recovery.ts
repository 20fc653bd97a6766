/**
 * How long the installation takes to recover from a kill: from the SIGKILL until every event
 * stored before it is published (what the killed instance held as the relay, or had committed
 * and not yet published, is picked up by whoever publishes next). The other instances keep
 * serving meanwhile; the killed one's own way back is in KillFigures. Watched during the run, a
 * few times a second, for each kill in turn.
 */
import pg from 'pg';
import type { KillFigures } from './faults.js';

export interface RecoveryWatch {
  /** Seconds to recover from the last kill that recovered so far (null before any did). */
  lastRecoverySeconds(): number | null;
  /** The kill it was measured for. */
  measuredKillAt(): number | null;
  stop(): Promise<void>;
}

export function watchRecovery(databaseUrl: string, kills: KillFigures): RecoveryWatch {
  // A pool of one: a connection cut by the run's own outage is replaced at the next query.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  pool.on('error', () => undefined);
  let measured = null as { at: number; seconds: number } | null;
  let stopped = false;

  const loop = (async () => {
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const kill = kills.lastKill;
      if (!kill || kill.at === measured?.at) continue;
      try {
        const { rows } = await pool.query(`select count(*)::int as waiting from outbox_pending p join outbox_event o on o.id = p.id where o.created_at <= to_timestamp($1::double precision / 1000)`, [kill.at]);
        if (rows[0].waiting === 0) measured = { at: kill.at, seconds: (Date.now() - kill.at) / 1000 };
      } catch {
        // Cut by the outage: asked again in a moment.
      }
    }
  })();

  return {
    lastRecoverySeconds: () => measured?.seconds ?? null,
    measuredKillAt: () => measured?.at ?? null,
    async stop() {
      stopped = true;
      await loop;
      await pool.end().catch(() => undefined);
    },
  };
}
