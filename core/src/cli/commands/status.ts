import type { Command } from 'commander';
import type { DeploymentView, ServiceEnvironment, ServiceView } from '../apiShapes.js';
import { UsageError } from '../cliErrors.js';
import { clientContext } from '../clientContext.js';
import { segment, when } from '../format.js';
import type { Output } from '../output.js';

/** `status`: what runs where, as the dashboard's matrix, or one service per environment. */
export function statusCommand(program: Command): void {
  program
    .command('status')
    .description('what runs where: services as rows, environments as columns (current version and status, and the one in flight); with a service, one row per environment')
    .argument('[service]', 'one service')
    .option('--env <environment>', 'only this environment')
    .option('--at <time>', 'as it was at this moment (ISO-8601)')
    .action(async (service: string | undefined, options: { env?: string; at?: string }, command: Command) => {
      const { api, out } = clientContext(command);
      const query = { at: options.at };
      if (service) {
        let environments = await api.get<ServiceEnvironment[]>(`/api/services/${segment(service)}/environments`, query);
        if (options.env) environments = onlyEnvironment(environments, options.env, (e) => e.environment);
        if (out.json) return out.writeJson(environments);
        out.table(
          ['ENVIRONMENT', 'CURRENT', 'STATUS', 'SINCE', 'IN FLIGHT'],
          environments.map(({ environment, current, inFlight }) => [
            environment,
            current?.artifact.version ?? '-',
            out.status(current?.status),
            when(current?.statusAt ?? current?.updatedAt),
            inFlight ? `${inFlight.artifact.version} ${out.status(inFlight.status)}` : '',
          ]),
        );
        return;
      }
      const services = await api.all<ServiceView>('/api/services');
      const matrix = await Promise.all(
        services.map(async (s) => ({ service: s.key, environments: await api.get<ServiceEnvironment[]>(`/api/services/${segment(s.key)}/environments`, query) })),
      );
      let columns = pipelineOrder(matrix.map((row) => row.environments.map((e) => e.environment)));
      if (options.env) columns = onlyEnvironment(columns, options.env, (name) => name);
      if (out.json) {
        return out.writeJson(matrix.map((row) => ({ service: row.service, environments: row.environments.filter((e) => columns.includes(e.environment)) })));
      }
      out.table(
        ['SERVICE', ...columns.map((c) => c.toUpperCase())],
        matrix.map((row) => [row.service, ...columns.map((column) => cell(out, row.environments.find((e) => e.environment === column)))]),
        'no services configured',
      );
    });
}

/** `1.4.2 VERIFIED`, and under it `→ 1.4.3 STARTED` when another version is on its way; `-` when nothing ran there. */
function cell(out: Output, entry: ServiceEnvironment | undefined): string {
  if (!entry) return '';
  const line = (d: DeploymentView) => `${d.artifact.version} ${out.status(d.status)}`;
  const current = entry.current ? line(entry.current) : out.colours.dim('-');
  return entry.inFlight ? `${current}\n→ ${line(entry.inFlight)}` : current;
}

/**
 * The environments of every service in one order that keeps each service's pipeline order: an
 * environment first seen in a later service goes right after its predecessor there.
 */
export function pipelineOrder(orders: ReadonlyArray<readonly string[]>): string[] {
  const merged: string[] = [];
  for (const order of orders) {
    let at = -1;
    for (const name of order) {
      const found = merged.indexOf(name);
      if (found >= 0) {
        at = found;
        continue;
      }
      merged.splice(at + 1, 0, name);
      at += 1;
    }
  }
  return merged;
}

function onlyEnvironment<T>(items: T[], environment: string, nameOf: (item: T) => string): T[] {
  const kept = items.filter((item) => nameOf(item) === environment);
  if (kept.length === 0) throw new UsageError(`no environment "${environment}" here (environments: ${items.map(nameOf).join(', ') || 'none'})`);
  return kept;
}
