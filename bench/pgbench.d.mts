// Types of pgbench.mjs, for its tests.
export type StatementValue = string | number | string[] | null | { random: [number, number] };

export interface PgbenchFigure {
  transactionsPerSecond: number | null;
  latencyMs?: number | null;
  failed?: number;
  clients?: number;
  error?: string;
}

/** A statement's rate through pgbench (custom script, prepared mode); `values` are its $1..$n. */
export declare function pgbench(
  databaseUrl: string,
  statement: { text: string; values: StatementValue[] },
  options: { seconds: number; clients?: number; threads?: number; session?: string },
): Promise<PgbenchFigure>;
