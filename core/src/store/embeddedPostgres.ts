import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from '../plugin-api/logger.js';

/** The folder inside the database's `dir` that holds PGlite's cluster. */
export const EMBEDDED_DATA_FOLDER = 'pgdata';

/** The embedded database: PGlite serving the Postgres wire protocol on a loopback port. */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite with its data in `dir`, served on 127.0.0.1 (a free port) so the same
 * PostgreSQL driver and migrations serve both modes. A lock file keeps a second process
 * from opening the same folder, which PGlite does not guard against itself.
 */
export async function startEmbeddedPostgres(dir: string, logger: Logger): Promise<EmbeddedPostgres> {
  fs.mkdirSync(dir, { recursive: true });
  const releaseLock = acquireLock(path.join(dir, 'deploydb.lock'));
  let db: PGlite | undefined;
  try {
    db = await PGlite.create({ dataDir: path.join(dir, EMBEDDED_DATA_FOLDER) });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
    await server.start();
    const address = server.getServerConn();
    logger.debug({ address, dir }, 'embedded database started');
    const database = db;
    return {
      url: `postgres://postgres@${address}/postgres`,
      async stop() {
        await server.stop();
        await database.close();
        releaseLock();
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    releaseLock();
    throw error;
  }
}

function acquireLock(file: string): () => void {
  for (let tries = 0; tries < 2; tries++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(file, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(`the embedded database in ${path.dirname(file)} is in use by process ${holder}`, { cause: error });
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot lock the embedded database in ${path.dirname(file)}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
