import { MikroORM, type EntityManager, PostgreSqlDriver } from '@mikro-orm/postgresql';
import pg from 'pg';
import { Migrator } from '@mikro-orm/migrations';
import type { Logger } from '../plugin-api/logger.js';
import { entities } from './entities.js';
import { migrationsList } from './migrations/index.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embeddedPostgres.js';

export type DatabaseKind = 'postgres' | 'embedded';

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
   * with bound parameters on PostgreSQL (the hot paths: registration, the outbox), the ORM's
   * connection on the embedded database. Placeholders are `?`.
   */
  sql<T = Record<string, unknown>>(statement: string, params?: unknown[]): Promise<T[]>;
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
  const pool = embedded ? null : new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  pool?.on('error', (error) => options.logger.warn({ err: error }, 'database pool: idle connection lost'));
  const numbered = new Map<string, string>();
  return {
    kind,
    orm,
    url,
    em: () => orm.em.fork(),
    async sql<T>(statement: string, params: unknown[] = []): Promise<T[]> {
      if (!pool) return orm.em.fork().execute<T[]>(statement, params as never[]);
      let text = numbered.get(statement);
      if (text === undefined) {
        let n = 0;
        text = statement.replace(/\?/g, () => `$${++n}`);
        if (numbered.size < 1000) numbered.set(statement, text);
      }
      return (await pool.query(text, params)).rows as T[];
    },
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
      await pool?.end();
      await orm.close(true);
      await embedded?.stop();
    },
  };
}
