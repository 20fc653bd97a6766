import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedTestDatabase } from '../testing/embeddedDatabase.js';
import { POSTGRES, servicesAvailable } from '../testing/services.js';
import { createTestDatabase, dropTestDatabase } from '../testing/harness.js';
import { silentLogger } from '../testing/silentLogger.js';
import { rowsFor, type RowBatch, type SqlRunner } from './batchInsert.js';
import { openDatabase, type Database } from './database.js';
import { isUniqueViolation } from './dbErrors.js';
import type { RowOf, TableName } from './entities.js';
import type { ArtifactRow, FlowRow } from '../domain/rows.js';
import { InsertGroups } from './insertGroups.js';

interface OpenedDatabase {
  db: Database;
  cleanup: () => Promise<void>;
}

/** One statement as the runner saw it. */
interface Call {
  statement: string;
  params: unknown[];
}

const now = new Date('2024-05-01T12:00:00.000Z');

function artifact(id: number | undefined, version: string, group = 'com.example', name = 'app'): ArtifactRow {
  const row = { group, name, version, sourceUrl: `https://ci.example/${name}/${version}`, createdAt: now } as ArtifactRow;
  if (id !== undefined) row.id = id;
  return row;
}

function flow(id: number, artifactId: number): FlowRow {
  return { id, artifactId, service: 'svc', pipeline: 'main', status: 'RUNNING', snapshotId: 1, createdAt: now, updatedAt: now };
}

/** A table's rows as a write takes them. */
const batch = <N extends TableName>(table: N, rows: RowOf<N>[]): RowBatch => rowsFor(table, rows) as RowBatch;

/** The rows each statement carried, per table batch (its JSON parameters). */
function rowsOf(call: Call): Array<Array<Record<string, unknown>>> {
  return call.params.map((param) => JSON.parse(param as string) as Array<Record<string, unknown>>);
}

function insertGroupsBehaviour(open: () => Promise<OpenedDatabase>) {
  let opened: OpenedDatabase;
  let db: Database;
  let calls: Call[];
  let groups: InsertGroups;

  beforeAll(async () => {
    opened = await open();
    db = opened.db;
  });

  afterAll(async () => {
    await opened?.cleanup();
  });

  beforeEach(async () => {
    await db.sql('truncate artifact restart identity cascade');
    calls = [];
    const run: SqlRunner = <T>(statement: string, params: unknown[]) => {
      calls.push({ statement, params });
      return db.sql<T>(statement, params);
    };
    groups = new InsertGroups(run, db.orm.getMetadata());
  });

  const stored = () =>
    db.sql<{ id: number; group: string; name: string; version: string; sourceUrl: string; createdAt: unknown }>(
      'select id, artifact_group as "group", name, version, source_url as "sourceUrl", created_at as "createdAt" from artifact order by id',
    );

  it('writes the rows of writes issued in the same tick in one statement', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => artifact(i + 1, `1.0.${i}`));
    await Promise.all(rows.map((row) => groups.write([batch('artifact', [row])])));

    expect(calls).toHaveLength(1);
    expect(rowsOf(calls[0]!)).toHaveLength(1);
    expect(rowsOf(calls[0]!)[0]).toHaveLength(10);
    const found = await stored();
    expect(found.map((row) => ({ ...row, createdAt: new Date(row.createdAt as string).toISOString() }))).toEqual(
      rows.map((row) => ({ ...row, createdAt: now.toISOString() })),
    );
  });

  it('joins writes of several tables into one batch per table, foreign keys between them holding', async () => {
    const writes = [1, 2, 3].map((id) => [
      batch('artifact', [artifact(id, `2.0.${id}`)]),
      batch('flow', [flow(id * 10, id), flow(id * 10 + 1, id)]),
    ]);
    await Promise.all(writes.map((batches) => groups.write(batches)));

    expect(calls).toHaveLength(1);
    expect(rowsOf(calls[0]!).map((rows) => rows.length)).toEqual([3, 6]);
    expect((await stored()).map((row) => row.id)).toEqual([1, 2, 3]);
    const flows = await db.sql<{ id: number; artifact_id: number }>('select id, artifact_id from flow order by id');
    expect(flows).toEqual([
      { id: 10, artifact_id: 1 },
      { id: 11, artifact_id: 1 },
      { id: 20, artifact_id: 2 },
      { id: 21, artifact_id: 2 },
      { id: 30, artifact_id: 3 },
      { id: 31, artifact_id: 3 },
    ]);
  });

  it('gives rows without an id the column default, beside rows with one, in the same statement', async () => {
    await Promise.all([
      groups.write([batch('artifact', [artifact(undefined, '3.0.0')])]),
      groups.write([batch('artifact', [artifact(1000, '3.0.1')])]),
      groups.write([batch('artifact', [artifact(undefined, '3.0.2')])]),
    ]);

    expect(calls).toHaveLength(1);
    const found = await stored();
    expect(found.map((row) => [row.id, row.version])).toEqual([
      [1, '3.0.0'],
      [2, '3.0.2'],
      [1000, '3.0.1'],
    ]);
  });

  it('rejects only the write that duplicates a stored artifact, and stores the others of its group', async () => {
    await db.sql('insert into artifact (id, artifact_group, name, version, source_url) values (?, ?, ?, ?, ?)', [
      100,
      'com.example',
      'app',
      '1.0.3',
      'https://ci.example/original',
    ]);
    const rows = Array.from({ length: 6 }, (_, i) => artifact(i + 1, `1.0.${i}`));
    const results = await Promise.allSettled(rows.map((row) => groups.write([batch('artifact', [row])])));

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(isUniqueViolation((results[3] as PromiseRejectedResult).reason)).toBe(true);
    // The joined statement, then each write on its own.
    expect(calls).toHaveLength(1 + rows.length);
    const found = await stored();
    expect(found.map((row) => [row.id, row.version, row.sourceUrl])).toEqual([
      [1, '1.0.0', 'https://ci.example/app/1.0.0'],
      [2, '1.0.1', 'https://ci.example/app/1.0.1'],
      [3, '1.0.2', 'https://ci.example/app/1.0.2'],
      [5, '1.0.4', 'https://ci.example/app/1.0.4'],
      [6, '1.0.5', 'https://ci.example/app/1.0.5'],
      [100, '1.0.3', 'https://ci.example/original'],
    ]);
  });

  it('stores once a version two writes of the same group both register, rejecting the other', async () => {
    const rows = [artifact(1, '1.0.0'), artifact(2, '9.9.9'), artifact(3, '1.0.1'), artifact(4, '9.9.9', 'com.example', 'app')];
    const results = await Promise.allSettled(rows.map((row) => groups.write([batch('artifact', [row])])));

    const rejected = results.flatMap((result, i) => (result.status === 'rejected' ? [i] : []));
    expect(rejected).toHaveLength(1);
    expect([1, 3]).toContain(rejected[0]);
    expect(isUniqueViolation((results[rejected[0]!] as PromiseRejectedResult).reason)).toBe(true);
    const found = await stored();
    expect(found.map((row) => row.version).sort()).toEqual(['1.0.0', '1.0.1', '9.9.9']);
    const kept = found.find((row) => row.version === '9.9.9')!;
    expect(kept.id).toBe(rejected[0] === 1 ? 4 : 2);
  });

  it('rejects the whole of a write at fault, keeping none of its rows, while the others are stored', async () => {
    await db.sql('insert into artifact (id, artifact_group, name, version, source_url) values (?, ?, ?, ?, ?)', [
      100,
      'com.example',
      'app',
      '5.0.0',
      'https://ci.example/original',
    ]);
    const results = await Promise.allSettled([
      groups.write([
        batch('artifact', [artifact(1, '4.0.0')]),
        batch('flow', [flow(10, 1)]),
      ]),
      groups.write([
        batch('artifact', [artifact(2, '4.0.1'), artifact(3, '5.0.0')]),
        batch('flow', [flow(20, 2)]),
      ]),
    ]);

    expect(results[0]!.status).toBe('fulfilled');
    expect(results[1]!.status).toBe('rejected');
    expect(isUniqueViolation((results[1] as PromiseRejectedResult).reason)).toBe(true);
    expect((await stored()).map((row) => [row.id, row.version])).toEqual([
      [1, '4.0.0'],
      [100, '5.0.0'],
    ]);
    expect(await db.sql('select id, artifact_id from flow order by id')).toEqual([{ id: 10, artifact_id: 1 }]);
  });

  it('rejects a write issued alone with its error, without trying it again', async () => {
    await groups.write([batch('artifact', [artifact(1, '6.0.0')])]);
    const error = await groups.write([batch('artifact', [artifact(2, '6.0.0')])]).then(
      () => null,
      (reason: unknown) => reason,
    );

    expect(isUniqueViolation(error)).toBe(true);
    expect(calls).toHaveLength(2);
    expect((await stored()).map((row) => row.id)).toEqual([1]);
  });

  it('fails the whole group, without retries, when the statement fails for a reason other than its rows', async () => {
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), { code: undefined });
    const failing = new InsertGroups(async (statement, params) => {
      calls.push({ statement, params });
      throw lost;
    }, db.orm.getMetadata());
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => failing.write([batch('artifact', [artifact(i + 1, `6.1.${i}`)])])));

    expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.reason : null))).toEqual([lost, lost, lost, lost, lost]);
    expect(calls).toHaveLength(1);
    expect(await stored()).toEqual([]);
  });

  it('splits more than 64 writes of one tick into statements of at most 64 writes, storing them all', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => artifact(i + 1, `7.0.${i}`));
    await Promise.all(rows.map((row) => groups.write([batch('artifact', [row])])));

    expect(calls.length).toBeGreaterThan(1);
    expect(calls.map((call) => rowsOf(call)[0]!.length)).toEqual([64, 64, 22]);
    const found = await stored();
    expect(found).toHaveLength(150);
    expect(found.map((row) => [row.id, row.version])).toEqual(rows.map((row) => [row.id, row.version]));
  });

  it('writes a write issued while nothing else is pending by itself', async () => {
    const row = artifact(1, '8.0.0');
    await groups.write([batch('artifact', [row])]);

    expect(calls).toHaveLength(1);
    expect(rowsOf(calls[0]!)).toEqual([[expect.objectContaining({ id: 1, artifact_group: 'com.example', name: 'app', version: '8.0.0' })]]);
    expect((await stored()).map((row) => [row.id, row.version])).toEqual([[1, '8.0.0']]);

    // Awaited one after the other, each write is a statement of its own.
    await groups.write([batch('artifact', [artifact(2, '8.0.1')])]);
    await groups.write([batch('artifact', [artifact(3, '8.0.2')])]);
    expect(calls.map((call) => rowsOf(call)[0]!.map((r) => r.version))).toEqual([['8.0.0'], ['8.0.1'], ['8.0.2']]);
    expect((await stored()).map((row) => row.id)).toEqual([1, 2, 3]);
  });

  it('writes nothing for a write without rows', async () => {
    await groups.write([batch('artifact', [])]);

    expect(calls).toHaveLength(0);
    expect(await stored()).toEqual([]);
  });
}

describe('insert groups on the embedded database', () => {
  insertGroupsBehaviour(async () => {
    const { db, destroy } = await openEmbeddedTestDatabase();
    await db.migrate();
    return { db, cleanup: destroy };
  });
});

describe.runIf(await servicesAvailable(POSTGRES))('insert groups on PostgreSQL', () => {
  insertGroupsBehaviour(async () => {
    const url = await createTestDatabase();
    const db = await openDatabase({ url, dir: '', logger: silentLogger });
    await db.migrate();
    return {
      db,
      cleanup: async () => {
        await db.close();
        await dropTestDatabase(url);
      },
    };
  });
});
