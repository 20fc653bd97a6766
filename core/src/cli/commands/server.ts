import type { Command } from 'commander';

const SERVER_COMMANDS = [
  ['start', 'start DeployDB (stops on SIGTERM or SIGINT, reloads on SIGHUP)'],
  ['validate', 'check the configuration without starting anything (exit 0, or 2 listing every error)'],
  ['migrate', 'apply database migrations and exit'],
] as const;

/** `start`, `validate`, `migrate`: the server itself, from deploydb.yaml. */
export function serverCommands(program: Command): void {
  for (const [name, description] of SERVER_COMMANDS) {
    program
      .command(name)
      .description(description)
      .option('--config <path>', 'deploydb.yaml to use (default: $DEPLOYDB_CONFIG, else ./deploydb.yaml)')
      .action(async (options: { config?: string }) => {
        // Loaded only here: the kernel and its database drivers would slow every client command.
        const { runServerCommand } = await import('../serverCommands.js');
        const code = await runServerCommand(name, options.config);
        if (code > 0) process.exitCode = code;
      });
  }
}
