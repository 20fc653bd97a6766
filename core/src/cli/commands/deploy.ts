import { Option, type Command } from 'commander';
import type { DeploymentView, ServiceView } from '../apiShapes.js';
import { UsageError } from '../cliErrors.js';
import { clientContext } from '../clientContext.js';
import { printDeployment } from '../deploymentView.js';
import { segment } from '../format.js';
import type { ApiClient } from '../apiClient.js';
import { parseId } from './ids.js';

interface RecordOptions {
  service: string;
  env: string;
  version?: string;
  group?: string;
  name?: string;
  artifactId?: string;
  kind: string;
  status?: string;
  reason?: string;
}

/** `deploy record`: a deployment made outside any flow (a hotfix, a rollback, one by hand). */
export function deployCommands(program: Command): void {
  const deploy = program.command('deploy').description('deployments outside a flow');
  deploy
    .command('record')
    .description('record a direct deployment: a hotfix, a rollback or one made by hand')
    .requiredOption('--service <service>', 'the service')
    .requiredOption('--env <environment>', 'the environment')
    .option('--version <version>', 'the artifact version (with --group and --name, or the service\'s only module)')
    .option('--group <group>', "the artifact's group")
    .option('--name <name>', "the artifact's name")
    .option('--artifact-id <id>', 'the artifact by id, instead of --version')
    .addOption(new Option('--kind <kind>', 'what kind of deployment').choices(['rollback', 'hotfix', 'manual']).makeOptionMandatory())
    .addOption(new Option('--status <status>', 'CREATED: a request for the deployer (default); STARTED or COMPLETED: already under way or done').choices(['CREATED', 'STARTED', 'COMPLETED']))
    .option('--reason <text>', 'why')
    .action(async (options: RecordOptions, command: Command) => {
      const { api, out } = clientContext(command);
      const artifact = await artifactOf(api, options);
      const body = {
        service: options.service,
        environment: options.env,
        ...artifact,
        kind: options.kind,
        ...(options.status ? { status: options.status } : {}),
        ...(options.reason ? { reason: options.reason } : {}),
      };
      const recorded = await api.post<DeploymentView>('/api/deployments', body);
      if (out.json) return out.writeJson(recorded);
      printDeployment(out, recorded);
    });
}

/** The artifact part of the body: by id, by coordinates, or by version of the service's only module. */
async function artifactOf(api: ApiClient, options: RecordOptions): Promise<{ artifactId: number } | { artifact: { group: string; name: string; version: string } }> {
  if (options.artifactId !== undefined) {
    if (options.version || options.group || options.name) throw new UsageError('give either --artifact-id or --version (with --group and --name), not both');
    return { artifactId: parseId(options.artifactId, '--artifact-id') };
  }
  if (!options.version) throw new UsageError('give --version (or --artifact-id)');
  if (options.group && options.name) return { artifact: { group: options.group, name: options.name, version: options.version } };
  if (options.group || options.name) throw new UsageError('give --group and --name together');
  const service = await api.get<ServiceView>(`/api/services/${segment(options.service)}`);
  if (service.artifacts.length !== 1) {
    throw new UsageError(`service ${service.key} lists ${service.artifacts.length} modules (${service.artifacts.join(', ')}): pass --group and --name`);
  }
  const [group, name] = splitModule(service.artifacts[0]!);
  return { artifact: { group, name, version: options.version } };
}

/** `group:name` into its two parts. */
function splitModule(module: string): [string, string] {
  const at = module.lastIndexOf(':');
  return [module.slice(0, at), module.slice(at + 1)];
}
