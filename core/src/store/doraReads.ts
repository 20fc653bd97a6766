import { doraPairs, doraReport, type DoraReport, type DoraSample } from '../domain/dora.js';
import type { ModelIndex } from '../config/modelIndex.js';
import type { Database } from './database.js';

/**
 * One DORA sample per deployment that became COMPLETED in a window, for the given services and
 * environments, in one statement over `deployment_completed_idx` and the placement changes:
 * whether a rollback replaced it in any of its spells as current (each spell's next change, found
 * from the spell), and when the next later-created deployment completed at or after the failure
 * (a rollback recorded done restores at the moment it replaces). Its time grows with the
 * deployments in the window, not with the whole history.
 */
export async function doraSamples(
  db: Database,
  pairs: ReadonlyArray<{ service: string; environment: string }>,
  window: { from: Date; to: Date },
): Promise<DoraSample[]> {
  if (pairs.length === 0) return [];
  const rows = await db.sql<{
    service: string;
    environment: string;
    lead_seconds: number | string;
    failed_at: Date | string | null;
    rollback_created_at: Date | string | null;
    restored_at: Date | string | null;
  }>(
    `with k as (select * from unnest(?::text[], ?::text[]) as k(service, environment)),
     s as (
       select d.service, d.environment, d.id, d.created_at, d.completed_at,
              extract(epoch from d.completed_at - coalesce(a.committed_at, a.created_at)) as lead_seconds,
              case when d.failed_at >= d.completed_at then d.failed_at end as failed_at,
              (select min(r.created_at)
                 from placement_change c
                cross join lateral (select n.deployment_id, n.at from placement_change n
                                     where n.environment = c.environment and n.service = c.service and n.role = 'current'
                                       and (n.at, n.id) > (c.at, c.id)
                                     order by n.at, n.id limit 1) n
                 join deployment r on r.id = n.deployment_id
                where c.deployment_id = d.id and c.role = 'current' and r.kind = 'rollback' and r.completed_at = n.at) as rollback_created_at
         from k
         join deployment d on d.service = k.service and d.environment = k.environment
              and d.completed_at >= ?::timestamptz and d.completed_at <= ?::timestamptz
         join artifact a on a.id = d.artifact_id
     )
     select s.service, s.environment, s.lead_seconds, s.failed_at, s.rollback_created_at,
            (select e.completed_at from deployment e
              where e.service = s.service and e.environment = s.environment
                and e.completed_at >= least(s.failed_at, s.rollback_created_at) and e.created_at > s.created_at
              order by e.completed_at limit 1) as restored_at
       from s`,
    [pairs.map((p) => p.service), pairs.map((p) => p.environment), window.from, window.to],
    // A window may hold a day of deployments or years of them: planned for the one asked.
    { planEachCall: true },
  );
  const ms = (value: Date | string | null) => (value === null ? null : new Date(value).getTime());
  return rows.map((r) => {
    const times = [ms(r.failed_at), ms(r.rollback_created_at)].filter((t): t is number => t !== null);
    const failedAt = times.length > 0 ? Math.min(...times) : null;
    return {
      service: r.service,
      environment: r.environment,
      leadSeconds: Number(r.lead_seconds),
      failed: failedAt !== null,
      failedAt,
      restoredAt: failedAt === null ? null : ms(r.restored_at),
    };
  });
}

/** DORA reports over the ledger (CONTRACT §11). */
export class DoraReads {
  constructor(private readonly db: Database) {}

  async report(index: ModelIndex, filter: { service?: string; environment?: string }, window: { from: Date; to: Date }): Promise<DoraReport> {
    const pairs = doraPairs(index, filter);
    return doraReport(pairs, await doraSamples(this.db, pairs, window), window);
  }
}
