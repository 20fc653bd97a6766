import type { Command } from 'commander';
import { UsageError } from '../cliErrors.js';
import { clientContext } from '../clientContext.js';
import { duration, percent } from '../format.js';

interface Percentiles {
  p50: number;
  p90: number;
}

interface Figures {
  deployments: number;
  deploymentFrequencyPerDay: number;
  leadTimeSeconds: Percentiles | null;
  changeFailureRate: number | null;
  timeToRestoreSeconds: Percentiles | null;
}

interface DoraAnswer extends Figures {
  from: string;
  to: string;
  services: Array<Figures & { service: string; environment: string }>;
}

/** `dora`: the four DORA figures per service, and for all of them. */
export function doraCommand(program: Command): void {
  program
    .command('dora')
    .description('deployment frequency, lead time, change failure rate and time to restore')
    .option('--service <service>', 'one service (default: every service)')
    .option('--env <environment>', "the environment measured (default: each service's last)")
    .option('--days <n>', 'the window: this many days up to now', '30')
    .action(async (options: { service?: string; env?: string; days: string }, command: Command) => {
      const days = Number(options.days);
      if (!/^\d+(\.\d+)?$/.test(options.days) || days <= 0) throw new UsageError(`--days must be a positive number, not "${options.days}"`);
      const { api, out } = clientContext(command);
      const from = new Date(Date.now() - days * 86_400_000).toISOString();
      const answer = await api.get<DoraAnswer>('/api/metrics/dora', { service: options.service, environment: options.env, from });
      if (out.json) return out.writeJson(answer);
      const row = (name: string, environment: string, f: Figures) => [
        name,
        environment,
        String(f.deployments),
        f.deploymentFrequencyPerDay.toFixed(2),
        duration(f.leadTimeSeconds?.p50),
        duration(f.leadTimeSeconds?.p90),
        percent(f.changeFailureRate),
        duration(f.timeToRestoreSeconds?.p50),
        duration(f.timeToRestoreSeconds?.p90),
      ];
      out.line(out.colours.dim(`${answer.from} .. ${answer.to}`));
      out.table(
        ['SERVICE', 'ENVIRONMENT', 'DEPLOYS', 'PER DAY', 'LEAD P50', 'LEAD P90', 'FAILURES', 'RESTORE P50', 'RESTORE P90'],
        [...answer.services.map((s) => row(s.service, s.environment, s)), ...(answer.services.length > 1 ? [row(out.colours.bold('all'), '', answer)] : [])],
        'no service to measure',
      );
    });
}
