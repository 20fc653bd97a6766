import { openDatabase, type Database } from '../store/database.js';
import { openEmbeddedTestDatabase } from './embeddedDatabase.js';
import { createTestDatabase, dropTestDatabase } from './harness.js';
import { POSTGRES, servicesAvailable } from './services.js';
import { silentLogger } from './silentLogger.js';

export type DatabaseMode = 'embedded' | 'postgres';

/**
 * Embedded always; PostgreSQL when it answers (a failure when DEPLOYDB_REQUIRE_SERVICES=1
 * requires it, else a message saying why those tests are skipped). For `describe.each`.
 */
export async function databaseModes(): Promise<DatabaseMode[]> {
  return (await servicesAvailable(POSTGRES)) ? ['embedded', 'postgres'] : ['embedded'];
}

/**
 * A fresh database of the given kind, and how to get rid of it: migrated, or left empty
 * (`migrated: false`) for a test that migrates it itself, to a point, as an upgrade would.
 */
export async function openTestDatabase(mode: DatabaseMode, { migrated = true } = {}): Promise<{ db: Database; destroy(): Promise<void> }> {
  let opened: { db: Database; destroy(): Promise<void> };
  if (mode === 'embedded') {
    opened = await openEmbeddedTestDatabase();
  } else {
    const url = await createTestDatabase();
    const db = await openDatabase({ url, dir: '', logger: silentLogger });
    opened = {
      db,
      async destroy() {
        await db.close();
        await dropTestDatabase(url);
      },
    };
  }
  if (migrated) await opened.db.migrate();
  return opened;
}
