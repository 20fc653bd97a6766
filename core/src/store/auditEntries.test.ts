/**
 * The audit trail is never pruned, so its reads must not depend on its length: on PostgreSQL with
 * a trail of 200 000 entries, every filter of `GET /api/audit` reads a page by an index, touching
 * about as many entries as the page holds (or as the filters match, when they match fewer),
 * never the table whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase } from '../testing/harness.js';
import { silentLogger } from '../testing/silentLogger.js';
import { POSTGRES, servicesAvailable } from '../testing/services.js';
import { executedPlan, rowsScanned } from '../testing/queryPlans.js';
import { openDatabase, type Database } from './database.js';
import { auditPageStatement, listAuditEntries, type AuditFilter, type AuditPosition } from './auditEntries.js';

const ENTRIES = 200_000;
const START = Date.parse('2024-01-01T00:00:00Z');

describe.runIf(await servicesAvailable(POSTGRES))('reading a long audit trail', () => {
  let url: string;
  let db: Database;

  beforeAll(async () => {
    url = await createTestDatabase();
    db = await openDatabase({ url, dir: '', logger: silentLogger });
    await db.migrate();
    // A year of entries, a minute and a half apart, from 50 actors, over every action.
    await db.sql(
      `insert into audit_entry (at, actor, action, target, outcome, detail)
       select timestamptz '2024-01-01T00:00:00Z' + make_interval(secs => n * 150), 'actor-' || (n % 50),
              (array['artifact.register','deployment.report','promotion.report','trigger','auth.denied'])[1 + n % 5],
              'deployments/' || n, 200, '{}'::jsonb
         from generate_series(1, ?) as n`,
      [ENTRIES],
    );
    await db.sql('analyze audit_entry');
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    if (url) await dropTestDatabase(url);
  });

  const plan = (filter: AuditFilter, after: AuditPosition | null = null) => executedPlan(db, auditPageStatement(filter, { after, limit: 50 }));

  const middle = new Date(START + (ENTRIES / 2) * 150_000);
  const cases: Array<[string, AuditFilter, AuditPosition | null]> = [
    ['the whole trail', {}, null],
    ['a page deep into it', {}, { at: middle, id: String(ENTRIES / 2) }],
    ['one actor', { actor: 'actor-7' }, null],
    ['one action', { action: 'promotion.report' }, null],
    ['a window in the past', { from: new Date(START + 86_400_000 * 30), to: new Date(START + 86_400_000 * 31) }, null],
    ['one actor, long ago', { actor: 'actor-7', to: new Date(START + 86_400_000 * 2) }, null],
    ['one action within a window', { action: 'trigger', from: middle, to: new Date(middle.getTime() + 86_400_000) }, null],
  ];

  it.each(cases)('%s: reads a page through an index, touching few entries', async (_, filter, after) => {
    const found = await plan(filter, after);
    expect(found[0]!['Node Type']).toBe('Limit');
    const scans = found.filter((n) => n['Node Type'].endsWith('Scan'));
    expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    const touched = rowsScanned(found);
    expect(touched).toBeLessThan(500);
  });

  it('answers the entries the filters name, newest first', async () => {
    const page = await listAuditEntries(db, { actor: 'actor-6', action: 'deployment.report' }, { after: null, limit: 3 });
    // n % 50 = 6, hence n % 5 = 1 (deployment.report): n = 199 956, 199 906, 199 856 from the top.
    expect(page.rows.map((e) => e.target)).toEqual(['deployments/199956', 'deployments/199906', 'deployments/199856']);
    expect(page.more).toBe(true);
    const next = await listAuditEntries(db, { actor: 'actor-6', action: 'deployment.report' }, { after: page.last, limit: 1 });
    expect(next.rows.map((e) => e.target)).toEqual(['deployments/199806']);
  });
});
