import type { MiddlewareHandler } from 'hono';
import { ANONYMOUS_ACTOR, PendingAudit, type AuditRecord, type TimedAuditRecord } from '../../domain/audit.js';
import { isDeployDbError } from '../../errors.js';
import type { Clock } from '../../plugin-api/clock.js';
import type { Logger } from '../../plugin-api/logger.js';
import type { Caller } from '../../plugin-api/promotion.js';
import { successStatus, type AuditedRequest, type RouteSpec } from '../route.js';
import { storableText } from '../../schema/jsonGuard.js';
import type { RouteEnv } from './routeEnv.js';

/** Writes audit entries on their own, outside any command. */
export type AuditWriter = (records: readonly TimedAuditRecord[]) => Promise<void>;

/** The actor an entry names: the caller's token name, or `anonymous`. */
export function actorOf(caller: Caller | null): string {
  return caller?.name ?? ANONYMOUS_ACTOR;
}

/**
 * The HTTP side of the audit trail: makes the pending entry of each write before it runs, and
 * after the answer writes what no command wrote: the entry of a refused or failed write, and a
 * 401 or 403 to any request as `auth.denied` (never with the token).
 */
export class RequestAuditTrail {
  constructor(
    private readonly write: AuditWriter,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** The pending entry of a write to `route`, or undefined for a route that writes nothing. */
  pendingFor(route: RouteSpec, caller: Caller | null, request: AuditedRequest<unknown>): PendingAudit | undefined {
    const spec = route.audit;
    if (!spec) return undefined;
    return new PendingAudit(actorOf(caller), spec.action, successStatus(route), (answer) => ({
      target: spec.target(request, answer),
      detail: spec.detail?.(request, answer) ?? {},
    }));
  }

  /**
   * Records what the answer calls for and the command did not: a refusal (`error` is what was
   * thrown, when something was), an `auth.denied`, or, should a route's command not have written
   * its entry, the entry of a write that succeeded.
   */
  async settle(answer: { method: string; path: string; status: number; error: unknown; caller: Caller | null; audit: PendingAudit | undefined }): Promise<void> {
    const { status, audit } = answer;
    const code = isDeployDbError(answer.error) ? answer.error.code : status >= 500 ? 'internal' : undefined;
    let record: AuditRecord | undefined;
    if (audit && !audit.recorded) {
      if (status >= 400) record = audit.refusal(status, code);
      else {
        record = audit.entry(undefined, status);
        this.logger.warn({ action: audit.action, target: record.target }, 'a write succeeded without its command writing its audit entry; written on its own');
      }
    } else if (!audit && (status === 401 || status === 403)) {
      record = {
        actor: actorOf(answer.caller),
        action: 'auth.denied',
        target: targetOfPath(answer.path),
        outcome: status,
        detail: { method: answer.method, ...(code ? { error: code } : {}) },
      };
    }
    if (!record) return;
    // A refused request may carry anything in its path (a NUL, say): recorded as near as can be stored.
    const detail = Object.fromEntries(Object.entries(record.detail).map(([key, value]) => [key, typeof value === 'string' ? storableText(value) : value]));
    try {
      await this.write([{ ...record, target: storableText(record.target), detail, at: this.clock.now() }]);
    } catch (error) {
      // The answer stands either way; a database that refuses this write is reported elsewhere.
      this.logger.error({ err: error, action: record.action, target: record.target, outcome: record.outcome }, 'could not write an audit entry');
    }
  }
}

/**
 * The audit entry of a route's write, made before the write runs and handed on (the route passes
 * it to its command); once answered, what the answer calls for and the command did not write.
 */
export function auditTrail(route: RouteSpec, trail: RequestAuditTrail): MiddlewareHandler<RouteEnv> {
  return async (c, next) => {
    const audited: AuditedRequest<unknown> = { params: c.req.param() as Record<string, string>, body: undefined };
    const caller = c.get('caller');
    const audit = trail.pendingFor(route, caller, audited);
    c.set('audited', audited);
    c.set('audit', audit);
    await next();
    await trail.settle({ method: c.req.method, path: c.req.path, status: c.res.status, error: c.error, caller, audit });
  };
}

/** What a request names, as an audit target: its path without `/api/` (`deployments/12`). */
export function targetOfPath(path: string): string {
  return path.replace(/^\/api\//, '').replace(/\/+$/, '').slice(0, 500) || '/';
}
