import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase, type Database } from '../store/database.js';
import { EMBEDDED_DATA_FOLDER } from '../store/embeddedPostgres.js';
import { silentLogger } from './silentLogger.js';

/** A new embedded database (not migrated) in a temporary folder of its own; `destroy` closes it and removes the folder. */
export async function openEmbeddedTestDatabase(): Promise<{ db: Database; destroy(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploydb-embedded-'));
  try {
    await seedEmbeddedDatabase(dir);
    const db = await openDatabase({ url: null, dir, logger: silentLogger });
    return {
      db,
      async destroy() {
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Gives the embedded database about to open in `dir` a new, empty cluster copied from one made
 * once per installed PGlite, in the system's temporary folder: making a cluster (initdb) takes
 * seconds, copying one a fraction of a second, and tests open hundreds. Nothing is migrated in
 * the copy: the database opened on it starts exactly as a new one would. Leaves a folder that
 * already holds data alone.
 */
export async function seedEmbeddedDatabase(dir: string): Promise<void> {
  const target = path.join(dir, EMBEDDED_DATA_FOLDER);
  if (fs.existsSync(target)) return;
  const template = await clusterTemplate();
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(template, target, { recursive: true });
}

let made: Promise<string> | undefined;

function clusterTemplate(): Promise<string> {
  made ??= makeTemplate().catch((error) => {
    made = undefined;
    throw error;
  });
  return made;
}

async function makeTemplate(): Promise<string> {
  // Named after the PGlite build it was made with: another install makes its own.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const { size, mtimeMs } = fs.statSync(entry);
  const build = createHash('sha256').update(`${entry}\0${size}\0${mtimeMs}`).digest('hex').slice(0, 16);
  const template = path.join(os.tmpdir(), `deploydb-pglite-cluster-${build}`);
  if (fs.existsSync(template)) return template;
  // Made aside, then renamed into place: test processes starting together may each make one.
  const scratch = fs.mkdtempSync(`${template}-making-`);
  try {
    const cluster = await PGlite.create({ dataDir: path.join(scratch, 'cluster') });
    await cluster.close();
    try {
      fs.renameSync(path.join(scratch, 'cluster'), template);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return template;
}
