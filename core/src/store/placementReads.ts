import type { Database } from './database.js';
import { DEPLOYMENT_COLUMNS, deploymentOfSql, type SqlRow, type SqlValue } from './deploymentSql.js';
import { isoTime } from './timestamps.js';
import { deploymentView } from '../domain/views.js';
import { deploymentAsOf } from '../domain/asOf.js';
import { statusAt, type StatusTimes } from '../domain/placementTimeline.js';
import type { Artifact, Deployment, DeploymentKind, DeploymentStatus } from '../domain/shapes.js';

/** One service's current deployment in an environment (GET /api/environments/{name}/services). */
export interface CurrentDeployment {
  service: string;
  artifact: Artifact;
  deploymentId: number;
  status: DeploymentStatus;
  since: string;
}

/** A service in one environment: what runs there and what is on its way. */
export interface ServiceInEnvironment {
  environment: string;
  current: Deployment | null;
  inFlight: Deployment | null;
}

/** One stretch of time during which a deployment was current (CONTRACT §11 history). */
export interface HistoryEntry {
  deploymentId: number;
  artifact: Artifact;
  kind: DeploymentKind;
  status: DeploymentStatus;
  from: string;
  to: string | null;
}

/** A position in a history, newest first: the change after which the next page starts. */
export interface HistoryPosition {
  at: Date;
  id: string;
}

const ARTIFACT_COLUMNS = `a.artifact_group as a_group, a.name as a_name, a.version as a_version, a.source_url as a_source_url,
  a.revision as a_revision, a.committed_at as a_committed_at, a.created_at as a_created_at`;

/** The artifact of a row read with `ARTIFACT_COLUMNS` and ISO timestamps (`isoTimestamps`), as the API answers it. */
function artifactOfSql(r: SqlRow, id: number): Artifact {
  return {
    id,
    group: String(r.a_group),
    name: String(r.a_name),
    version: String(r.a_version),
    sourceUrl: String(r.a_source_url),
    revision: r.a_revision === null ? null : String(r.a_revision),
    committedAt: r.a_committed_at === null ? null : isoTime(r.a_committed_at as string),
    createdAt: isoTime(r.a_created_at as string),
  };
}

/**
 * Reads that become answers take their timestamps as the API writes them: as they are, or, where
 * rows are worked on first (`deploymentOfSql`), as text a Date reads far faster than `pg`'s parser.
 */
const AS_ANSWERED = { isoTimestamps: true } as const;

/** The latest change of a role at or before a time, for one placement row `p`. */
const holderAt = (role: string) => `select c.deployment_id from placement_change c
  where c.environment = p.environment and c.service = p.service and c.role = ${role} and c.at <= ?::timestamptz
  order by c.at desc, c.id desc limit 1`;

/**
 * Per placement row `p` of the environments `?::text[]`, the deployment `d` current then and its
 * artifact `a`, probed in a lateral subquery: joined outside it, the planner would hash the whole
 * deployment table while it is small, and pay for that on every read.
 */
const CURRENT_AT = `placement p
  cross join lateral (select d.id, d.created_at, d.started_at, d.completed_at, d.verified_at, d.failed_at, ${ARTIFACT_COLUMNS}, d.artifact_id
                        from (${holderAt(`'current'`)}) h
                        join deployment d on d.id = h.deployment_id
                        join artifact a on a.id = d.artifact_id) d
  where p.environment = any(?::text[])`;

const CURRENT_NOW = `placement p
  join deployment d on d.id = p.current_id
  join artifact a on a.id = d.artifact_id
 where p.environment = any(?::text[])`;

/**
 * What runs where, now and at any past moment, and since when: every read here is a few index
 * probes into the placement projection (store/placements.ts), whatever the size of the history.
 * Without `at` (or with `at` in the future) they answer from the projection's present.
 */
export class PlacementReads {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
  ) {}

  /** `at` when it is in the past, else null (now). */
  private past(at: Date | undefined): Date | null {
    return at && at.getTime() < this.now().getTime() ? at : null;
  }

  /** Per service, the deployment current in an environment, in no particular order. */
  async currentIn(environment: string, at?: Date): Promise<CurrentDeployment[]> {
    return (await this.currentInEach([environment], at)).get(environment) ?? [];
  }

  /** As `currentIn`, for several environments in one statement: the list of each, by its name. */
  async currentInEach(environments: readonly string[], at?: Date): Promise<Map<string, CurrentDeployment[]>> {
    const then = this.past(at);
    const rows = then
      ? await this.db.sql<SqlRow>(`select p.environment, p.service, d.* from ${CURRENT_AT}`, [then, environments], AS_ANSWERED)
      : await this.db.sql<SqlRow>(
          `select p.environment, p.service, d.id, d.status, d.status_at, ${ARTIFACT_COLUMNS}, d.artifact_id from ${CURRENT_NOW}`,
          [environments],
          AS_ANSWERED,
        );
    const found = new Map<string, CurrentDeployment[]>(environments.map((e) => [e, []]));
    const time = (value: SqlValue) => (value === null ? null : Date.parse(isoTime(value as string)));
    for (const r of rows) {
      const id = Number(r.id);
      let status: DeploymentStatus;
      let since: string;
      if (then) {
        const times: StatusTimes = {
          id,
          createdAt: time(r.created_at)!,
          startedAt: time(r.started_at),
          completedAt: time(r.completed_at),
          verifiedAt: time(r.verified_at),
          failedAt: time(r.failed_at),
        };
        const was = statusAt(times, then.getTime())!;
        status = was.status;
        since = new Date(was.since).toISOString();
      } else {
        status = r.status as DeploymentStatus;
        since = isoTime(r.status_at as string);
      }
      found.get(String(r.environment))?.push({ service: String(r.service), artifact: artifactOfSql(r, Number(r.artifact_id)), deploymentId: id, status, since });
    }
    return found;
  }

  /** A service in the given environments (in that order): current and in-flight deployment of each. */
  async serviceIn(service: string, environments: readonly string[], at?: Date): Promise<ServiceInEnvironment[]> {
    const then = this.past(at);
    const rows = then
      ? await this.db.sql<SqlRow>(
          // Probed per placement row and role in a lateral subquery, as in CURRENT_AT.
          `select r.role, x.*
             from placement p
            cross join (values ('current'), ('in_flight')) as r(role)
            cross join lateral (select ${DEPLOYMENT_COLUMNS}
                                  from (${holderAt('r.role')}) h
                                  join deployment d on d.id = h.deployment_id
                                  join artifact a on a.id = d.artifact_id) x
            where p.service = ?`,
          [then, service],
          AS_ANSWERED,
        )
      : await this.db.sql<SqlRow>(
          `select x.environment, x.role, ${DEPLOYMENT_COLUMNS}
             from (select environment, 'current' as role, current_id as deployment_id from placement where service = ?
                   union all
                   select environment, 'in_flight', in_flight_id from placement where service = ?) x
             join deployment d on d.id = x.deployment_id
             join artifact a on a.id = d.artifact_id`,
          [service, service],
          AS_ANSWERED,
        );
    const found = new Map<string, Deployment>();
    for (const r of rows) {
      const read = deploymentOfSql(r);
      const { row, results } = then ? deploymentAsOf(read.row, read.results, then) : read;
      const { artifact } = read;
      found.set(`${String(r.environment)}\u0000${String(r.role)}`, deploymentView(row, artifact, results));
    }
    return environments.map((environment) => ({
      environment,
      current: found.get(`${environment}\u0000current`) ?? null,
      inFlight: found.get(`${environment}\u0000in_flight`) ?? null,
    }));
  }

  /**
   * Each time a deployment became current there, newest first: from when, until another
   * replaced it or it stopped being current (null while current). `after` continues a page.
   */
  async history(service: string, environment: string, page: { after: HistoryPosition | null; limit: number }): Promise<{ rows: HistoryEntry[]; next: HistoryPosition | null }> {
    const after = page.after ?? { at: 'infinity', id: '9223372036854775807' };
    // Newest first, with each change's successor's time (`lag`): every change from the cursor's
    // own on, so that the page's first entry has its end too; changes to no deployment end a
    // stretch but are no entry. The deployment and its artifact are probed per entry (a lateral
    // subquery that `limit 1` keeps from being flattened): joined outside it, the planner hashes
    // the whole deployment table while it is small.
    const rows = await this.db.sql<SqlRow>(
      `select h.id as change_id, h.at, h.to_at, d.*
         from (select w.id, w.at, w.to_at, w.deployment_id
                 from (select c.id, c.at, c.deployment_id, lag(c.at) over (order by c.at desc, c.id desc) as to_at
                         from placement_change c
                        where c.environment = ? and c.service = ? and c.role = 'current' and (c.at, c.id) <= (?::timestamptz, ?::bigint)
                        order by c.at desc, c.id desc) w
                where w.deployment_id is not null and (w.at, w.id) < (?::timestamptz, ?::bigint)
                limit ?) h
         cross join lateral (select d.id, d.kind, d.status, d.artifact_id, ${ARTIFACT_COLUMNS}
                               from deployment d join artifact a on a.id = d.artifact_id
                              where d.id = h.deployment_id limit 1) d
        order by h.at desc, h.id desc`,
      [environment, service, after.at, after.id, after.at, after.id, page.limit + 1],
      AS_ANSWERED,
    );
    const entries = rows.slice(0, page.limit).map(
      (r): HistoryEntry => ({
        deploymentId: Number(r.id),
        artifact: artifactOfSql(r, Number(r.artifact_id)),
        kind: r.kind as DeploymentKind,
        status: r.status as DeploymentStatus,
        from: isoTime(r.at as string),
        to: r.to_at === null ? null : isoTime(r.to_at as string),
      }),
    );
    const last = rows[page.limit - 1];
    return { rows: entries, next: rows.length > page.limit && last ? { at: new Date(isoTime(last.at as string)), id: String(last.change_id) } : null };
  }
}
