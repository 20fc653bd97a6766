import { timingSafeEqual } from 'node:crypto';
import type { AuthToken, Role } from '../config/model.js';
import { ROLES } from '../config/model.js';
import { tokenDigest, tokenHashDigest } from '../config/tokenHash.js';
import { DeployDbError } from '../errors.js';
import type { Caller } from '../plugin-api/promotion.js';

/** Without `auth` every caller is an anonymous admin (the server then listens on loopback only). */
const ANONYMOUS: Caller = Object.freeze({ name: null, roles: ROLES });

/**
 * Resolves bearer tokens to callers. The configuration holds only tokens' SHA-256 digests
 * (`tokenHash`, or computed from `token` as the file is loaded): a presented token is hashed and
 * its digest looked up, then compared in constant time.
 */
export class Authenticator {
  private readonly byDigest: Map<string, { digest: Buffer; caller: Caller }>;

  constructor(tokens: readonly AuthToken[] | null) {
    this.byDigest = new Map(
      (tokens ?? []).map((t) => {
        const digest = tokenHashDigest(t.tokenHash);
        return [digest.toString('hex'), { digest, caller: Object.freeze({ name: t.name, roles: expand(t.roles) }) }];
      }),
    );
    this.enabled = tokens !== null;
  }

  readonly enabled: boolean;

  /** The caller for an `Authorization` header; 401 when auth is on and the token is missing or unknown. */
  authenticate(header: string | undefined): Caller {
    if (!this.enabled) return ANONYMOUS;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new DeployDbError('unauthorized', 'a bearer token is required (Authorization: Bearer <token>)');
    const digest = tokenDigest(match[1]!);
    const entry = this.byDigest.get(digest.toString('hex'));
    if (!entry || !timingSafeEqual(entry.digest, digest)) throw new DeployDbError('unauthorized', 'unknown token');
    return entry.caller;
  }
}

/** `read` is implied by every other role; admin implies all. */
function expand(roles: readonly Role[]): Role[] {
  if (roles.includes('admin')) return [...ROLES];
  return [...new Set<Role>(['read', ...roles])];
}
