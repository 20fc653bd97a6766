import type { Command } from 'commander';
import type { Artifact, Flow } from '../apiShapes.js';
import { clientContext } from '../clientContext.js';
import { coordinates } from '../format.js';

/** `artifact register`: what CI runs for each new build. */
export function artifactCommands(program: Command): void {
  const artifact = program.command('artifact').description('artifacts (builds)');
  artifact
    .command('register')
    .description('register a new artifact version; starts a flow for every service and pipeline that take its module')
    .requiredOption('--group <group>', 'group, e.g. com.acme')
    .requiredOption('--name <name>', 'name, e.g. foas')
    .requiredOption('--version <version>', 'version, e.g. 1.4.2')
    .requiredOption('--source-url <url>', 'where the build comes from')
    .option('--revision <sha>', 'the source revision built, e.g. a commit SHA')
    .option('--committed-at <time>', 'when that revision was committed (ISO-8601)')
    .action(async (options: { group: string; name: string; version: string; sourceUrl: string; revision?: string; committedAt?: string }, command: Command) => {
      const { api, out } = clientContext(command);
      const body = {
        group: options.group,
        name: options.name,
        version: options.version,
        sourceUrl: options.sourceUrl,
        ...(options.revision ? { revision: options.revision } : {}),
        ...(options.committedAt ? { committedAt: options.committedAt } : {}),
      };
      const registered = await api.post<Artifact & { flows: Flow[] }>('/api/artifacts', body);
      if (out.json) return out.writeJson(registered);
      out.line(`registered ${coordinates(registered)} as artifact ${registered.id}`);
      out.table(
        ['FLOW', 'SERVICE', 'PIPELINE', 'DEPLOYMENT', 'ENVIRONMENT', 'STATUS'],
        registered.flows.map((flow) => {
          const first = flow.deployments[0];
          return [String(flow.id), flow.service, flow.pipeline, String(first?.id ?? ''), first?.environment ?? '', out.status(first?.status)];
        }),
        'no flow started',
      );
    });
}
