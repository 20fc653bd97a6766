import type { Command } from 'commander';
import type { Artifact } from '../apiShapes.js';
import { clientContext } from '../clientContext.js';
import { segment } from '../format.js';

interface Side {
  deploymentId: number;
  artifact: Artifact;
}

interface DiffItem {
  service: string;
  a: Side | null;
  b: Side | null;
  same: boolean;
}

/** `diff`: what runs in one environment and not (or differently) in another. */
export function diffCommand(program: Command): void {
  program
    .command('diff')
    .description('compare two environments, service by service')
    .argument('<envA>')
    .argument('<envB>')
    .option('--at <time>', 'as it was at this moment (ISO-8601)')
    .action(async (a: string, b: string, options: { at?: string }, command: Command) => {
      const { api, out } = clientContext(command);
      const answer = await api.get<DiffItem[] | { items: DiffItem[] }>(`/api/environments/${segment(a)}/diff/${segment(b)}`, { at: options.at });
      if (out.json) return out.writeJson(answer);
      const items = Array.isArray(answer) ? answer : answer.items;
      const version = (side: Side | null) => side?.artifact.version ?? out.colours.dim('-');
      out.table(
        ['SERVICE', a.toUpperCase(), b.toUpperCase(), ''],
        items.map((item) => [item.service, version(item.a), version(item.b), item.same ? out.colours.green('same') : out.colours.yellow('differs')]),
        `no service runs in ${a} or ${b}`,
      );
    });
}
