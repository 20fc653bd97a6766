import type { Command } from 'commander';
import type { DeploymentView } from '../apiShapes.js';
import { clientContext } from '../clientContext.js';
import { printDeployment } from '../deploymentView.js';
import { segment } from '../format.js';
import { parseId } from './ids.js';

/** `rollback`: back to what ran in an environment before the current artifact (or to a given one). */
export function rollbackCommand(program: Command): void {
  program
    .command('rollback')
    .description('record a rollback: a deployment, for the deployer to carry out, of the artifact that was current before (or of --to)')
    .argument('<service>')
    .argument('<env>')
    .option('--to <artifactId>', 'an artifact that was current there once')
    .option('--reason <text>', 'why')
    .action(async (service: string, environment: string, options: { to?: string; reason?: string }, command: Command) => {
      const to = options.to === undefined ? undefined : parseId(options.to, '--to');
      const { api, out } = clientContext(command);
      const body = { ...(to ? { to } : {}), ...(options.reason ? { reason: options.reason } : {}) };
      const recorded = await api.post<DeploymentView>(`/api/services/${segment(service)}/environments/${segment(environment)}/rollback`, body);
      if (out.json) return out.writeJson(recorded);
      printDeployment(out, recorded);
    });
}
