import { describe } from 'vitest';
import { openEmbeddedTestDatabase } from '../../testing/embeddedDatabase.js';
import { queueProviderContract } from '../../testing/queueContract.js';
import { POSTGRES, servicesAvailable } from '../../testing/services.js';
import { createTestDatabase, dropTestDatabase, } from '../../testing/harness.js';
import { silentLogger } from '../../testing/silentLogger.js';
import { openDatabase } from '../../store/database.js';
import { EmbeddedQueue } from './embeddedQueue.js';

const timings = { pollMs: 100, redeliveryMs: 300, lockSeconds: 2 };

describe('embedded queue on the embedded database', () => {
  queueProviderContract('embedded (PGlite)', async () => {
    const { db, destroy } = await openEmbeddedTestDatabase();
    await db.migrate();
    return { provider: new EmbeddedQueue({ db, logger: silentLogger, ...timings }), cleanup: destroy };
  });
});

describe.runIf(await servicesAvailable(POSTGRES))('embedded queue on PostgreSQL', () => {
  queueProviderContract('embedded (PostgreSQL)', async () => {
    const url = await createTestDatabase();
    const db = await openDatabase({ url, dir: '', logger: silentLogger });
    await db.migrate();
    return {
      provider: new EmbeddedQueue({ db, logger: silentLogger, ...timings }),
      cleanup: async () => {
        await db.close();
        await dropTestDatabase(url);
      },
    };
  });
});
