import { DeployDbError, isDeployDbError } from '../../errors.js';
import { httpStatusOf } from '../../errorResponse.js';
import { PendingAudit, type AuditRecord } from '../../domain/audit.js';
import type { Ledger, Registration } from '../../domain/ledger.js';
import type { Clock } from '../../plugin-api/clock.js';
import type { Logger } from '../../plugin-api/logger.js';
import type { SourceCommands } from '../../plugin-api/source.js';
import type { LedgerReads } from '../../store/ledgerReads.js';
import { successStatus, type RouteSpec } from '../../http/route.js';
import { validate } from '../../schema/validate.js';
import type { DirectDeploymentInput } from '../../domain/inputs.js';

export interface SourceCommandsOptions {
  /** The plugin's id: the caller is `source:<id>`. */
  pluginId: string;
  ledger: Ledger;
  reads: LedgerReads;
  /** The API's routes: each command takes its schema and audit entry from the route that runs it over HTTP. */
  routes: readonly RouteSpec[];
  writeAudit(records: Array<AuditRecord & { at: Date }>): Promise<void>;
  clock: Clock;
  logger: Logger;
}

/**
 * The ledger's commands for a source plugin, run as their HTTP routes run them: the route's body
 * schema checks the input, the route's audit spec describes the entry (actor `source:<id>`),
 * written with the change, or alone as a refusal when the command does not go through.
 */
export function sourceCommands({ pluginId, ledger, reads, routes, writeAudit, clock, logger }: SourceCommandsOptions): SourceCommands {
  const actor = `source:${pluginId}`;
  const routeOf = (operationId: string) => {
    const route = routes.find((r) => r.operationId === operationId);
    if (!route?.body || !route.audit) throw new Error(`the API has no audited route ${operationId}`);
    return route;
  };

  async function run<A>(operationId: string, params: Record<string, string>, input: unknown, command: (body: any, audit: PendingAudit<A>) => Promise<A>): Promise<A> {
    const route = routeOf(operationId);
    const spec = route.audit!;
    const checked = validate(route.body!, input);
    const body = checked.ok ? checked.value : undefined;
    const audit = new PendingAudit<A>(actor, spec.action, successStatus(route), (answer) => ({
      target: spec.target({ params, body }, answer),
      detail: spec.detail?.({ params, body }, answer) ?? {},
    }));
    try {
      if (!checked.ok) throw new DeployDbError('validation_failed', 'the input does not match the schema', checked.errors);
      return await command(body, audit);
    } catch (error) {
      if (!audit.recorded) {
        const code = isDeployDbError(error) ? error.code : 'internal';
        await writeAudit([{ ...audit.refusal(httpStatusOf(code), code), at: clock.now() }]).catch((failure: unknown) =>
          logger.error({ err: failure }, 'could not write an audit entry'),
        );
      }
      throw error;
    }
  }

  return Object.freeze({
    actor,
    async registerArtifact(input) {
      try {
        const { artifact } = await run<Registration>('registerArtifact', {}, input, (body, audit) => ledger.registerArtifact(body, audit));
        return { artifact, created: true };
      } catch (error) {
        const existingId = isDeployDbError(error) && error.code === 'already_exists' ? error.extra.existingId : null;
        const existing = typeof existingId === 'number' ? await reads.artifact(existingId) : null;
        if (!existing) throw error;
        return { artifact: existing, created: false };
      }
    },
    reportDeployment: (deploymentId, report) =>
      run('reportDeployment', { id: String(deploymentId) }, report, (body, audit) => ledger.reportDeployment(deploymentId, body, audit as never)),
    recordDeployment: (input) => run('recordDeployment', {}, input, (body, audit) => ledger.recordDeployment(body as DirectDeploymentInput, audit as never)),
  } satisfies SourceCommands);
}
