/**
 * A timestamptz expression as the ISO-8601 UTC text DeployDB answers (`toISOString()`). The
 * colons are quoted: pgbench would take `:MI` in a statement for a variable.
 */
export const isoUtc = (expression) => `to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24":"MI":"SS.MS"Z"')`;
