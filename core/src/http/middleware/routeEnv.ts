import type { PendingAudit } from '../../domain/audit.js';
import type { Caller } from '../../plugin-api/promotion.js';
import type { AuditedRequest } from '../route.js';

/** What the middleware in front of a route hands on to what follows, and to the route. */
export interface RouteEnv {
  Variables: {
    /** Who calls: the token's caller (anonymous without auth), null when the token was missing or unknown. */
    caller: Caller | null;
    /** Why the caller is null: the 401 answered once the rate limit had its say. */
    authFailure: unknown;
    /** The audit entry of this write, for its command (audited routes only). */
    audit: PendingAudit | undefined;
    /** What the audit entry is worked out from. */
    audited: AuditedRequest<unknown>;
    params: Record<string, unknown>;
    query: Record<string, unknown>;
    body: unknown;
  };
}
