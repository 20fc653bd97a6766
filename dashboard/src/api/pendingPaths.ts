/**
 * Routes of CONTRACT §11 and §15 that the dashboard reads but that the server's /openapi.json
 * does not describe yet, written in the shape openapi-typescript generates. Once a route is in
 * the generated schema.d.ts, its entry here goes.
 */
import type { Artifact } from './types';

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

export type DeploymentKind = 'flow' | 'rollback' | 'hotfix' | 'manual';

export interface HistoryEntry {
  deploymentId: number;
  artifact: Artifact;
  kind: DeploymentKind;
  status: 'CREATED' | 'STARTED' | 'COMPLETED' | 'VERIFIED' | 'FAILED';
  from: string;
  to: string | null;
}

export interface DiffItem {
  service: string;
  a: { deploymentId: number; artifact: Artifact } | null;
  b: { deploymentId: number; artifact: Artifact } | null;
  same: boolean;
}

export interface Percentiles {
  p50: number;
  p90: number;
}

export interface DoraFigures {
  deployments: number;
  deploymentFrequencyPerDay: number;
  leadTimeSeconds: Percentiles | null;
  changeFailureRate: number | null;
  timeToRestoreSeconds: Percentiles | null;
}

export interface Dora extends DoraFigures {
  from: string;
  to: string;
  services: Array<DoraFigures & { service: string; environment: string }>;
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
  '/api/services/{name}/environments/{env}/history': GetPath<{ name: string; env: string }, PageQuery, Page<HistoryEntry>>;
  // The contract does not say whether the diff is paged: both answers are read.
  '/api/environments/{a}/diff/{b}': GetPath<{ a: string; b: string }, { at?: string }, DiffItem[] | Page<DiffItem>>;
  '/api/metrics/dora': GetPath<never, { service?: string; environment?: string; from?: string; to?: string }, Dora>;
  '/api/audit': GetPath<never, PageQuery & { actor?: string; action?: string; from?: string; to?: string }, Page<AuditEntry>>;
}
