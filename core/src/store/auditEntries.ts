import type { MetadataStorage } from '@mikro-orm/core';
import type { AuditAction, TimedAuditRecord } from '../domain/audit.js';
import { insertBatches, rowsFor, type RowBatch, type SqlRunner } from './batchInsert.js';
import type { Database, Statement } from './database.js';
import type { AuditEntryRow } from './entities.js';

/** An audit entry as `GET /api/audit` shows it. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: AuditAction;
  target: string;
  outcome: number;
  detail: Record<string, unknown>;
}

/** Where a newest-first page of the trail resumes: after the entry at (`at`, `id`); the id as text, being a bigint. */
export interface AuditPosition {
  at: Date;
  id: string;
}

/** A newest-first page of the trail; `last` is where the next one resumes. */
export interface AuditPage {
  rows: AuditEntry[];
  more: boolean;
  last: AuditPosition | null;
}

export interface AuditFilter {
  actor?: string;
  action?: AuditAction;
  /** Entries at or after this moment. */
  from?: Date;
  /** Entries at or before this moment. */
  to?: Date;
}

/** Audit entries as rows to write with a command's other rows (one statement, no extra round trip). */
export function auditBatch(records: readonly TimedAuditRecord[]): RowBatch<'audit_entry'> {
  return rowsFor('audit_entry', records.map((record) => ({ ...record }) as AuditEntryRow));
}

/** Writes audit entries on their own: refusals, where no command ran or its transaction rolled back. */
export async function writeAuditEntries(run: SqlRunner, metadata: MetadataStorage, records: readonly TimedAuditRecord[]): Promise<void> {
  if (records.length > 0) await insertBatches(run, metadata, [auditBatch(records)]);
}

/**
 * The statement reading a page of the trail, newest first (by `at`, then `id`), after `page.after`:
 * with or without an actor or an action, within a time range or not, it walks one index
 * backwards from where the page starts and stops once it has the page (see the audit migration).
 */
export function auditPageStatement(filter: AuditFilter, page: { after: AuditPosition | null; limit: number }): Statement {
  const where: string[] = [];
  const params: unknown[] = [];
  const condition = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (filter.actor !== undefined) condition('actor = ?', filter.actor);
  if (filter.action !== undefined) condition('action = ?', filter.action);
  if (filter.from !== undefined) condition('at >= ?', filter.from);
  if (filter.to !== undefined) condition('at <= ?', filter.to);
  if (page.after) condition('(at, id) < (?, ?)', page.after.at, page.after.id);
  params.push(page.limit + 1);
  const sql = `select id, at, actor, action, target, outcome, detail from audit_entry${where.length > 0 ? ` where ${where.join(' and ')}` : ''} order by at desc, id desc limit ?`;
  return { sql, params };
}

/** A page of the trail, newest first. */
export async function listAuditEntries(db: Database, filter: AuditFilter, page: { after: AuditPosition | null; limit: number }): Promise<AuditPage> {
  const { sql, params } = auditPageStatement(filter, page);
  const rows = await db.em().execute<Array<{ id: string; at: Date | string; actor: string; action: AuditAction; target: string; outcome: number; detail: unknown }>>(sql, params);
  const entries = rows.slice(0, page.limit).map((row) => ({
    id: Number(row.id),
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: Number(row.outcome),
    detail: (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as Record<string, unknown>,
  }));
  const lastEntry = entries.at(-1);
  return { rows: entries, more: rows.length > page.limit, last: lastEntry ? { at: new Date(lastEntry.at), id: String(lastEntry.id) } : null };
}
