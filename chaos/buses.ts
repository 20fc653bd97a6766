/**
 * The three buses a chaos run can put under DeployDB, each with what the run does to it:
 *
 * - `nats`, `redis`: a private server (test/support/privateBrokers.ts), so restarting it takes
 *   nothing away from anyone else; its outage is a restart (SIGTERM, start again on the same
 *   port and data). Read back with a client of our own.
 * - `embedded`: the built-in queue in DeployDB's own database. Its broker is PostgreSQL, which
 *   is shared; its outage is every connection of DeployDB to the run's database cut at once
 *   (pg_terminate_backend). Read back through a consumer group of our own, made in the database
 *   before the load starts (the queue logs events only while a group exists), whose position
 *   never moves, so nothing read by it is pruned.
 */
import pg from 'pg';
import { subjectPatternRegex } from '../core/src/plugin-api/subjects.js';
import { deleteNatsStream, natsBusConfig, natsBusEvents, queueYaml, redisBusConfig, redisBusEvents, uniqueTag, type BusMessage } from '../test/support/busReaders.js';
import { startPrivateBroker, type PrivateBroker } from '../test/support/privateBrokers.js';

export type BusKind = 'nats' | 'redis' | 'embedded';
export const BUS_KINDS: readonly BusKind[] = ['nats', 'redis', 'embedded'];

export interface ChaosBus {
  kind: BusKind;
  /** The `queue:` section of deploydb.yaml ('' for the embedded queue). */
  yaml: string;
  /** Called once the database has DeployDB's tables, before any load. */
  ready(databaseUrl: string): Promise<void>;
  /** The outage of the run; answers what was done, for the report. */
  outage(databaseUrl: string): Promise<string>;
  /** Every event message on the bus, in bus order, repeats included. */
  read(databaseUrl: string): Promise<BusMessage[]>;
  close(): Promise<void>;
}

export async function startBus(kind: BusKind): Promise<ChaosBus> {
  if (kind === 'embedded') return embeddedBus();
  const broker = await startPrivateBroker(kind, { persistent: true });
  const tag = uniqueTag();
  const restart = async (): Promise<string> => {
    const began = Date.now();
    await broker.restart();
    return `${kind} server restarted (down ${((Date.now() - began) / 1000).toFixed(1)} s)`;
  };
  if (kind === 'nats') {
    // The stream keeps NATS's default duplicate window: what a subscriber sees is what users get.
    const config = natsBusConfig(tag, { servers: broker.url });
    return {
      kind,
      yaml: queueYaml('@deploydb/queue-nats', config),
      ready: async () => undefined,
      outage: restart,
      read: () => natsBusEvents(config),
      close: () => stopQuietly(broker, () => deleteNatsStream(config.stream)),
    };
  }
  const config = redisBusConfig(tag, { url: broker.url });
  return {
    kind,
    yaml: queueYaml('@deploydb/queue-redis', config),
    ready: async () => undefined,
    outage: restart,
    read: () => redisBusEvents(config),
    close: () => stopQuietly(broker),
  };
}

async function stopQuietly(broker: PrivateBroker, before?: () => Promise<void>): Promise<void> {
  await before?.().catch(() => undefined);
  await broker.stop();
}

const READER_GROUP = 'chaos-reader';
const READER_PATTERN = 'deploydb.>';

function embeddedBus(): ChaosBus {
  return {
    kind: 'embedded',
    yaml: '',
    ready: (databaseUrl) =>
      withClient(databaseUrl, (client) =>
        client.query(`insert into queue_group (name, pattern, pattern_regex, position) values ($1, $2, $3, 0) on conflict (name) do nothing`, [
          `${READER_GROUP}|${READER_PATTERN}`,
          READER_PATTERN,
          subjectPatternRegex(READER_PATTERN),
        ]),
      ).then(() => undefined),
    outage: (databaseUrl) =>
      withClient(databaseUrl, async (client) => {
        const { rows } = await client.query(`select count(pg_terminate_backend(pid))::int as cut from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
        return `${rows[0].cut} PostgreSQL connections of DeployDB cut`;
      }),
    read: (databaseUrl) =>
      withClient(databaseUrl, async (client) => {
        // A message is logged either whole (published by id) or as a pointer to its outbox row.
        const { rows } = await client.query(
          `select m.id::text as entry, coalesce(m.message_id, o.event_id::text) as message_id, m.type, coalesce(m.event, o.event) as event
             from queue_message m left join outbox_event o on o.id = m.outbox_id order by m.id`,
        );
        return rows.map((r): BusMessage => ({ messageId: r.message_id, type: r.type, event: typeof r.event === 'string' ? JSON.parse(r.event) : r.event, raw: { entry: r.entry } }));
      }),
    close: async () => undefined,
  };
}

async function withClient<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
