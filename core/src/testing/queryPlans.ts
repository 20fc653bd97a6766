import type { Database, Statement } from '../store/database.js';

/** One node of a plan as `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` answers it. */
export interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/**
 * Runs a statement under `EXPLAIN (ANALYZE, BUFFERS)` (a data-modifying one takes effect) and
 * answers every node of its plan, sub-plans and CTEs included, top first.
 */
export async function executedPlan(db: Database, statement: Statement): Promise<PlanNode[]> {
  const [row] = await db.sql<{ 'QUERY PLAN': [{ Plan: PlanNode }] | string }>(`explain (analyze, buffers, format json) ${statement.sql}`, statement.params);
  const answer = row!['QUERY PLAN'];
  const plan = (typeof answer === 'string' ? (JSON.parse(answer) as [{ Plan: PlanNode }]) : answer)[0].Plan;
  const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];
  return flatten(plan);
}

/** Rows the scans of a plan read, those their filters dropped included, over all their loops. */
export function rowsScanned(nodes: readonly PlanNode[]): number {
  return nodes
    .filter((n) => n['Node Type'].endsWith('Scan'))
    .reduce((sum, n) => sum + (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0)) * n['Actual Loops'], 0);
}

/**
 * The most pages any one node of a plan touched. Not a sum: a node's count includes its children's,
 * except for the CTEs PostgreSQL finishes after the main statement.
 */
export function mostPagesTouched(nodes: readonly PlanNode[]): number {
  return Math.max(...nodes.map((n) => (n['Shared Hit Blocks'] ?? 0) + (n['Shared Read Blocks'] ?? 0)));
}
