import type { Command } from 'commander';
import type { DeploymentView } from '../apiShapes.js';
import { UsageError } from '../cliErrors.js';
import { clientContext } from '../clientContext.js';
import { printDeployment } from '../deploymentView.js';
import { parseId } from './ids.js';

const REPORTED = ['STARTED', 'COMPLETED', 'FAILED'];

/** `deployment report`: what a deployer runs when a deployment started, completed or failed. */
export function deploymentCommands(program: Command): void {
  const deployment = program.command('deployment').description('deployments of a flow');
  deployment
    .command('report')
    .description('report a deployment STARTED, COMPLETED or FAILED')
    .argument('<deploymentId>', 'the deployment')
    .argument('<status>', REPORTED.join(' | '))
    .option('--reason <text>', 'why (kept on the deployment)')
    .action(async (id: string, status: string, options: { reason?: string }, command: Command) => {
      const deploymentId = parseId(id, 'deploymentId');
      const reported = status.toUpperCase();
      if (!REPORTED.includes(reported)) throw new UsageError(`status must be one of ${REPORTED.join(', ')}, not "${status}"`);
      const { api, out } = clientContext(command);
      const answer = await api.patch<DeploymentView>(`/api/deployments/${deploymentId}`, { status: reported, ...(options.reason ? { reason: options.reason } : {}) });
      if (out.json) return out.writeJson(answer);
      printDeployment(out, answer);
    });
}
