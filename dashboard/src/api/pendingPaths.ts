/**
 * Routes of the contract (§15, the audit trail) that the dashboard reads but that the server's
 * /openapi.json does not describe yet, written in the shape openapi-typescript generates. Once a
 * route is in the generated schema.d.ts, its entry here goes.
 */
type Query = Record<string, string | number | undefined>;

/** A GET-only path, as openapi-typescript writes one. */
interface GetPath<PathParams, Q extends Query, Body> {
  parameters: { query?: never; header?: never; path?: never; cookie?: never };
  get: {
    parameters: { query?: Q; header?: never; cookie?: never } & ([PathParams] extends [never] ? { path?: never } : { path: PathParams });
    requestBody?: never;
    responses: { 200: { headers: { [name: string]: unknown }; content: { 'application/json': Body } } };
  };
  put?: never;
  post?: never;
  delete?: never;
  options?: never;
  head?: never;
  patch?: never;
  trace?: never;
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string | null;
  action: string;
  target: string | null;
  outcome: number;
  detail: unknown;
}

type PageQuery = { limit?: number; cursor?: string };

export interface PendingPaths {
  '/api/audit': GetPath<never, PageQuery & { actor?: string; action?: string; from?: string; to?: string }, Page<AuditEntry>>;
}
