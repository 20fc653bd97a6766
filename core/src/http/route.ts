import type { Context } from 'hono';
import Type, { type Static, type TObject, type TSchema } from 'typebox';
import type { Role } from '../config/model.js';
import type { Caller } from '../plugin-api/promotion.js';
import type { AuditAction, PendingAudit } from '../domain/audit.js';
import type { ApiTag } from './apiTags.js';

/** What an audited route's entry is worked out from: the raw path parameters, and the body once it was read and checked. */
export interface AuditedRequest<B> {
  params: Readonly<Record<string, string>>;
  body: B | undefined;
}

/**
 * How a write is recorded in the audit trail. `answer` is what the route's command answered, when
 * it succeeded; without it (a refusal, a failed command) describe what the request named.
 */
export interface AuditSpec<B, A> {
  action: AuditAction;
  /** What the write acts on, as `deployments/12` or `artifacts/3`. */
  target(request: AuditedRequest<B>, answer?: A): string;
  /** A short JSON that helps an auditor: never a secret, never the whole body. */
  detail?(request: AuditedRequest<B>, answer?: A): Record<string, unknown>;
}

/**
 * A route declared once: its schemas validate the request and describe it in /openapi.json.
 */
export interface RouteSpec<P extends TObject = TObject, Q extends TObject = TObject, B extends TSchema = TSchema, A = any> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** Hono path, e.g. `/api/deployments/:id`. */
  path: string;
  /**
   * The operation's name in /openapi.json, unique over the API: a camelCase verb phrase
   * (`registerArtifact`, `getDeployment`) that generated clients turn into method names.
   */
  operationId: string;
  summary: string;
  tag: ApiTag;
  /** Roles of which the caller needs one; `public` needs no token. Default: any API role for GET. */
  roles?: readonly Role[] | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /** Status → response description and schema; the body is JSON unless `contentType` says otherwise. */
  responses: Record<number, { description: string; schema?: TSchema; contentType?: string; headers?: Record<string, string> }>;
  /** Error codes this route may answer with, for the documentation. */
  errors?: number[];
  /**
   * Required of every write (POST, PATCH, DELETE): its audit action and target. The handler passes
   * `audit` to the command it runs, which writes the entry with its own rows.
   */
  audit?: AuditSpec<Static<B>, A>;
  handler(request: RouteRequest<Static<P>, Static<Q>, Static<B>, A>): Promise<Response> | Response;
}

export interface RouteRequest<P, Q, B, A = unknown> {
  params: P;
  query: Q;
  body: B;
  caller: Caller;
  /** The audit entry of this write, for its command to write with its change (audited routes only). */
  audit: PendingAudit<A> | undefined;
  c: Context;
}

/** Declares a route; the generic parameters flow from the schemas (and the audit spec's answer) into the handler. */
export function defineRoute<P extends TObject = TObject, Q extends TObject = TObject, B extends TSchema = TSchema, A = unknown>(
  spec: RouteSpec<P, Q, B, A>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** The status a route answers when it succeeds: the first 2xx it declares. */
export function successStatus(route: RouteSpec): number {
  return Number(Object.keys(route.responses).find((status) => /^2\d\d$/.test(status)) ?? 200);
}

/** A path parameter that is an id: a positive integer. */
export const IdParam = Type.Integer({ minimum: 1, maximum: 2147483647 });
