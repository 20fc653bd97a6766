import type { Command } from 'commander';
import type { Artifact } from '../apiShapes.js';
import { UsageError } from '../cliErrors.js';
import { clientContext } from '../clientContext.js';
import { segment, when } from '../format.js';

interface HistoryEntry {
  deploymentId: number;
  artifact: Artifact;
  kind: string;
  status: string;
  from: string;
  to: string | null;
}

/** `history`: each time a deployment became current in an environment, newest first. */
export function historyCommand(program: Command): void {
  program
    .command('history')
    .description('what ran in an environment over time for a service, newest first')
    .argument('<service>')
    .argument('<env>')
    .option('--limit <n>', 'at most this many entries (1..500)', '50')
    .action(async (service: string, environment: string, options: { limit: string }, command: Command) => {
      if (!/^\d+$/.test(options.limit) || Number(options.limit) < 1 || Number(options.limit) > 500) throw new UsageError(`--limit must be 1..500, not "${options.limit}"`);
      const { api, out } = clientContext(command);
      const page = await api.get<{ items: HistoryEntry[]; nextCursor: string | null }>(`/api/services/${segment(service)}/environments/${segment(environment)}/history`, { limit: options.limit });
      if (out.json) return out.writeJson(page);
      out.table(
        ['FROM', 'TO', 'VERSION', 'KIND', 'STATUS', 'DEPLOYMENT'],
        page.items.map((h) => [when(h.from), h.to ? when(h.to) : out.colours.green('current'), h.artifact.version, h.kind, out.status(h.status), String(h.deploymentId)]),
        `nothing of ${service} ran in ${environment} yet`,
      );
      if (page.nextCursor) out.line(out.colours.dim(`more: --limit ${Math.min(500, Number(options.limit) * 2)}`));
    });
}
