import type { Deployment, PromotionResult } from '../domain/shapes.js';
import type { EnvironmentConfig, Role, ServiceConfig } from '../config/model.js';
import type { Logger } from './logger.js';
import type { Clock } from './clock.js';
import type { HealthCheck } from './health.js';
import type { ProvidedService } from './serviceRef.js';

/** Who is calling the API: the token's name (null without `auth`) and its roles. */
export interface Caller {
  name: string | null;
  roles: readonly Role[];
}

/** What an evaluation found out, kept on the promotion result: HTTP statuses, build URLs, per-host outcomes. */
export type Evidence = Record<string, unknown>;

/**
 * A plugin's answer about one promotion result.
 * - `SUCCESS` / `FAILED` settle it (FAILED needs a reason).
 * - `PENDING` leaves it STARTED: with `checkAgainIn` (seconds) the kernel evaluates it again
 *   then (the result's `nextEvaluationAt`); without, it waits for a report over the API. Its
 *   `reason` says what it waits for and is shown on the result until the next answer.
 */
export type Verdict =
  | { status: 'SUCCESS'; infoUrl?: string | null; reason?: string | null; evidence?: Evidence }
  | { status: 'FAILED'; reason: string; infoUrl?: string | null; evidence?: Evidence }
  | {
      status: 'PENDING';
      checkAgainIn?: number;
      /** What the promotion waits for, e.g. "waiting until 08:00"; shown as the result's `reason` while it waits. */
      reason?: string | null;
      /** Kept for the next evaluation of this result (e.g. a Jenkins queue item URL). JSON only. */
      state?: unknown;
      infoUrl?: string | null;
      evidence?: Evidence;
    };

/** A promotion result reported over the API (or by a trigger), as recorded. */
export interface PromotionReport {
  status: 'SUCCESS' | 'FAILED';
  infoUrl: string | null;
  reason: string | null;
  actor: string | null;
  reportedAt: string;
}

/** The promotion result a plugin is asked about, with everything it concerns. */
export interface PromotionTarget<S> {
  deployment: Deployment;
  result: PromotionResult;
  environment: EnvironmentConfig;
  service: ServiceConfig;
  /** The promotion's settings as the flow started with them, defaults filled in. */
  settings: S;
  /** Reports recorded for this result so far, oldest first. */
  reports: readonly PromotionReport[];
}

/** What `evaluate` gets: the target, plus its attempt, its saved state, an abort signal, a logger and the clock. */
export interface EvaluationContext<S> extends PromotionTarget<S> {
  /** 1 for the first evaluation of this result. */
  attempt: number;
  /** What the previous evaluation returned as `state`, or null. */
  state: unknown;
  /** Aborted when the evaluation runs out of time or the kernel stops. */
  signal: AbortSignal;
  logger: Logger;
  clock: Clock;
}

/** What `reporting.accept` gets: the target, who reports, and the report. */
export interface ReportContext<S> extends PromotionTarget<S> {
  caller: Caller;
  /** The report being made; `actor` is the caller's name. */
  report: PromotionReport;
}

/** Lets a promotion's results be reported over the API (`POST /api/deployments/{id}/promotions`). */
export interface PromotionReporting<S> {
  /** Whether this caller may report results of a promotion with these settings. Admin always may. */
  mayReport(caller: Caller, settings: S): boolean;
  /**
   * Decides what a report does. Throw a `DeployDbError('validation_failed', ...)` to refuse it as
   * malformed. A PENDING verdict records the report and keeps waiting.
   */
  accept(context: ReportContext<S>): Verdict;
}

/** The instance a promotion plugin's `create` returns. */
export interface PromotionPluginInstance<S> {
  /**
   * Evaluates one STARTED result. Called by the kernel's worker, never on a request, once at a
   * time per result across all DeployDB instances; must be idempotent per result id.
   */
  evaluate(context: EvaluationContext<S>): Verdict | Promise<Verdict>;
  /** Omit to make results of this type not reportable (409 `not_reportable`). */
  reporting?: PromotionReporting<S>;
  /** Seconds one evaluation may take before it is aborted and retried (default 60). */
  evaluationTimeout?: number;
  /** Services this plugin provides, one per reference in its `provides`. */
  services?: readonly ProvidedService<any>[];
  start?(): Promise<void>;
  stop?(): Promise<void>;
  health?(): Promise<HealthCheck>;
}
