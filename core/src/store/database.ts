import { MikroORM, type EntityManager, PostgreSqlDriver } from '@mikro-orm/postgresql';
import pg from 'pg';
import { Migrator } from '@mikro-orm/migrations';
import type { Logger } from '../plugin-api/logger.js';
import { entities } from './entities.js';
import { migrationsList } from './migrations/index.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embeddedPostgres.js';
import { ISO_TIMESTAMP_TYPES } from './timestamps.js';

export type DatabaseKind = 'postgres' | 'embedded';

/** A statement and its parameters, as `Database.sql` takes them (`?` placeholders). */
export interface Statement {
  sql: string;
  params: unknown[];
}

export interface SqlOptions {
  /**
   * On PostgreSQL, timestamps as the API writes them (ISO-8601 text in UTC) instead of Dates: for
   * reads whose rows become an answer as they are. The embedded database answers as the ORM
   * does, so read each timestamp through `isoTime` (store/timestamps.ts), which takes both.
   */
  isoTimestamps?: boolean;
  /**
   * Plan the statement with its values on every call (PostgreSQL): for a statement whose best plan
   * depends on them, such as a time window that may hold a day or years. Every other statement is
   * planned once per connection.
   */
  planEachCall?: boolean;
}

/** The open store: one MikroORM instance over PostgreSQL or the embedded database. */
export interface Database {
  kind: DatabaseKind;
  orm: MikroORM;
  /** A fresh EntityManager; fork one per request or command, never share one. */
  em(): EntityManager;
  /** The connection string the ORM uses (for a LISTEN connection of its own). */
  url: string;
  /**
   * Runs one statement outside any transaction on the fastest path there is: a plain `pg` pool
   * with prepared statements on PostgreSQL (the hot path: registration), the ORM's
   * connection on the embedded database. Placeholders are `?`; an array parameter is one array value.
   */
  sql<T = Record<string, unknown>>(statement: string, params?: unknown[], options?: SqlOptions): Promise<T[]>;
  /**
   * As `sql`, on connections of their own (PostgreSQL): what runs in the background (the outbox
   * relay, the embedded queue, the promotion worker, retention) never waits behind a burst of
   * requests for a connection, nor holds one a request needs.
   */
  backgroundSql<T = Record<string, unknown>>(statement: string, params?: unknown[]): Promise<T[]>;
  /** Applies pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A PostgreSQL URL, or null for the embedded database in `dir`. */
  url: string | null;
  dir: string;
  logger: Logger;
  /** Pool size for PostgreSQL (the embedded database serves one connection). */
  poolSize?: number;
}

/** Connections for background work, beside the pool requests use. */
const BACKGROUND_POOL_SIZE = 4;

/**
 * Pool connections are kept open however long they sit idle (`pg`'s default closes them after
 * 10 s). Opening them again costs a server process each and a new plan of every statement: after
 * a quiet spell of a few seconds, the first requests waited up to 0.4 s for that.
 */
const KEEP_IDLE_CONNECTIONS = { idleTimeoutMillis: 0 };

/** Opens PostgreSQL, or starts the embedded database, and connects MikroORM to it. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgres | null = null;
  let url = options.url;
  if (!url) {
    embedded = await startEmbeddedPostgres(options.dir, options.logger);
    url = embedded.url;
  }
  let orm: MikroORM;
  try {
    orm = await MikroORM.init({
      driver: PostgreSqlDriver,
      clientUrl: url,
      entities,
      discovery: { disableDynamicFileAccess: true, warnWhenNoEntities: false },
      extensions: [Migrator],
      migrations: { migrationsList, tableName: 'deploydb_migrations', transactional: true, allOrNothing: true, snapshot: false },
      pool: { min: 0, max: embedded ? 1 : (options.poolSize ?? 10) },
      forceUtcTimezone: true,
      allowGlobalContext: false,
      debug: false,
      ensureDatabase: true,
      logger: (message) => options.logger.debug({ orm: message }),
    });
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  const kind: DatabaseKind = embedded ? 'embedded' : 'postgres';
  // Sessions in UTC: PostgreSQL then writes each timestamp as `isoOfTimestamp` rewrites it fastest.
  // Generic plans: a statement is planned once per connection. Left to choose, PostgreSQL plans
  // anew on every call any statement whose generic plan merely looks dearer than one for the
  // values at hand (an array parameter, a key it cannot see), even when both plans are the same
  // index probes; at a million deployments that planning cost more than the reads themselves.
  const requests = embedded
    ? null
    : preparedStatements(
        new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, ...KEEP_IDLE_CONNECTIONS, options: '-c TimeZone=UTC -c plan_cache_mode=force_generic_plan' }),
        options.logger,
      );
  // Planned on every run: the tables background work reads grow and shrink fast (the queue's log
  // and claims, the outbox), and a plan cached while they were small would later scan them whole.
  // Set when the connection starts, so that no statement of the pool's races a setting of its own.
  const backgroundPool = embedded ? null : new pg.Pool({ connectionString: url, max: BACKGROUND_POOL_SIZE, ...KEEP_IDLE_CONNECTIONS, options: '-c plan_cache_mode=force_custom_plan -c TimeZone=UTC' });
  const background = backgroundPool ? preparedStatements(backgroundPool, options.logger) : null;
  // The ORM's query builder would spread an array into a list of placeholders: arrays go as PostgreSQL array literals.
  const onOrm = <T>(statement: string, params: unknown[]) => orm.em.fork().execute<T[]>(statement, params.map(arrayLiteral) as never[]);
  return {
    kind,
    orm,
    url,
    em: () => orm.em.fork(),
    sql: (statement, params = [], sqlOptions) => (requests ? requests.run(statement, params, sqlOptions) : onOrm(statement, params)),
    backgroundSql: (statement, params = []) => (background ? background.run(statement, params) : onOrm(statement, params)),
    async migrate() {
      const applied = await orm.getMigrator().up();
      return applied.map((m) => m.name);
    },
    async ping() {
      try {
        await orm.em.fork().execute('select 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.all([requests?.pool.end(), background?.pool.end()]);
      await orm.close(true);
      await embedded?.stop();
    },
  };
}

/** A JavaScript array as a PostgreSQL array literal (`{"a","b"}`); anything else as it is. */
function arrayLiteral(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return `{${value.map((v) => (v === null || v === undefined ? 'NULL' : `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(',')}}`;
}

/**
 * Runs statements with `?` placeholders on a `pg` pool as named prepared statements, so each
 * connection parses a statement once rather than on every call (the registration statement is
 * long), and plans it once where the session asks for generic plans; statements past the first
 * thousand, and those to be planned on each call, go unnamed.
 */
function preparedStatements(pool: pg.Pool, logger: Logger) {
  pool.on('error', (error) => logger.warn({ err: error }, 'database pool: idle connection lost'));
  const prepared = new Map<string, { name?: string; text: string }>();
  return {
    pool,
    async run<T>(statement: string, params: unknown[], sqlOptions: SqlOptions = {}): Promise<T[]> {
      let query = prepared.get(statement);
      if (query === undefined) {
        let n = 0;
        const text = statement.replace(/\?/g, () => `$${++n}`);
        query = prepared.size < 1000 ? { name: `deploydb_${prepared.size + 1}`, text } : { text };
        if (query.name) prepared.set(statement, query);
      }
      // An unnamed statement is planned with its values each time.
      const config = {
        text: query.text,
        ...(query.name && !sqlOptions.planEachCall ? { name: query.name } : {}),
        values: params,
        ...(sqlOptions.isoTimestamps ? { types: ISO_TIMESTAMP_TYPES } : {}),
      };
      return (await pool.query(config)).rows as T[];
    },
  };
}
