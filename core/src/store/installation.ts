import { randomUUID } from 'node:crypto';
import type { Database } from './database.js';

/**
 * This installation's id: made (a random UUID) by the first start on a database, the same for
 * every instance on that database ever after. Installations sharing a bus tell their streams and
 * consumer groups apart by it.
 */
export async function installationIdOf(db: Database): Promise<string> {
  const em = db.em();
  // Instances starting together on a new database race here; the one row wins, all read it.
  await em.execute('insert into installation (id) values (?) on conflict (singleton) do nothing', [randomUUID()]);
  const [row] = await em.execute<Array<{ id: string }>>('select id::text as id from installation');
  return row!.id;
}
