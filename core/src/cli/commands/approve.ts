import type { Command } from 'commander';
import type { PromotionResult } from '../apiShapes.js';
import { clientContext } from '../clientContext.js';
import { parseId } from './ids.js';

/** `approve`: a manual promotion's approval (or rejection) by the caller. */
export function approveCommand(program: Command): void {
  program
    .command('approve')
    .description('approve (or with --reject, reject) a promotion of a deployment')
    .argument('<deploymentId>', 'the deployment')
    .option('--promotion <name>', 'the promotion', 'manual')
    .option('--reject', 'reject instead of approve')
    .option('--reason <text>', 'why (kept exactly as given)')
    .action(async (id: string, options: { promotion: string; reject?: boolean; reason?: string }, command: Command) => {
      const deploymentId = parseId(id, 'deploymentId');
      const { api, out } = clientContext(command);
      const body = { name: options.promotion, status: options.reject ? 'FAILED' : 'SUCCESS', ...(options.reason ? { reason: options.reason } : {}) };
      const result = await api.post<PromotionResult>(`/api/deployments/${deploymentId}/promotions`, body);
      if (out.json) return out.writeJson(result);
      out.fields([
        ['deployment', String(deploymentId)],
        ['promotion', `${result.promotion} (${result.type})`],
        ['status', out.status(result.status)],
        ...(result.actor ? [['by', result.actor] as const] : []),
        ...(result.reason ? [['reason', result.reason] as const] : []),
      ]);
    });
}
