/**
 * The audit trail (CONTRACT §15): one entry per write (every POST, PATCH, DELETE, refused ones
 * too) and per 401/403 answer. An entry is written in the same statement or transaction as the
 * change it records, so that neither can exist without the other.
 */

/** What an audit entry records. */
export const AUDIT_ACTIONS = [
  'artifact.register',
  'deployment.report',
  'deployment.record',
  'deployment.rollback',
  'promotion.report',
  'trigger',
  'webhook.retry',
  'config.reload',
  'auth.denied',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** An audit entry before it is stored (the store gives it its `id`; `at` is the writer's `now`). */
export interface AuditRecord {
  /** The caller's token name, or `anonymous`. */
  actor: string;
  action: AuditAction;
  /** What was acted on, e.g. `deployments/12`. */
  target: string;
  /** The HTTP status answered. */
  outcome: number;
  /** A short JSON for auditors: never a secret, never the whole body. */
  detail: Record<string, unknown>;
}

/** An audit entry with its time, as it is written. */
export interface TimedAuditRecord extends AuditRecord {
  at: Date;
}

/** The actor recorded for a caller without a name (no `auth`, or no valid token). */
export const ANONYMOUS_ACTOR = 'anonymous';

/** What an entry says about the write it records, worked out from the command's answer when there is one. */
export type AuditDescription<A> = (answer: A | undefined) => { target: string; detail: Record<string, unknown> };

/**
 * The audit entry of one write, made before the write runs and handed to the command that does
 * it. The command writes {@link entry} together with its own rows and sets {@link recorded}
 * once they are committed; if it never does (the command failed, or the request was refused
 * before any command ran), the entry is written alone, from {@link refusal}, with the status
 * answered.
 */
export class PendingAudit<A = unknown> {
  /** Set once the entry is committed; nothing else may write it then. */
  recorded = false;

  constructor(
    readonly actor: string,
    readonly action: AuditAction,
    /** The status the write answers when it succeeds. */
    readonly successStatus: number,
    private readonly describe: AuditDescription<A>,
  ) {}

  /** The entry of a write that succeeded with `answer` (answering `outcome`, by default its success status). */
  entry(answer: A | undefined, outcome = this.successStatus): AuditRecord {
    const { target, detail } = this.describe(answer);
    return { actor: this.actor, action: this.action, target, outcome, detail };
  }

  /**
   * The entry of a write answered with `status` without its change: a 401 or 403 is recorded as
   * `auth.denied` (naming the action attempted), anything else as the write's own action.
   */
  refusal(status: number, code: string | undefined): AuditRecord {
    const { target, detail } = this.describe(undefined);
    const denied = status === 401 || status === 403;
    return {
      actor: this.actor,
      action: denied ? 'auth.denied' : this.action,
      target,
      outcome: status,
      detail: { ...detail, ...(denied ? { attempted: this.action } : {}), ...(code ? { error: code } : {}) },
    };
  }
}
