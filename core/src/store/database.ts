import { MikroORM, type EntityManager, PostgreSqlDriver } from '@mikro-orm/postgresql';
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
  return {
    kind,
    orm,
    url,
    em: () => orm.em.fork(),
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
      await orm.close(true);
      await embedded?.stop();
    },
  };
}
