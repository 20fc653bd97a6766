import { Command, type CommanderError } from 'commander';
import { addClientOptions } from './clientContext.js';
import { COMMAND_MODULES } from './commands/index.js';

/** The `deploydb` command: every module's commands, the client options, and usage errors that exit 2. */
export function createProgram(): Command {
  const program = new Command('deploydb')
    .description('DeployDB: who deployed what, where and when. Server commands read deploydb.yaml; client commands talk to a running DeployDB.')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError()
    .configureOutput({ outputError: (text, write) => write(`deploydb: ${text.replace(/^error: /, '')}`) });
  addClientOptions(program);
  for (const register of COMMAND_MODULES) register(program);
  // Every command, however deep, reports usage errors to `runCli` instead of exiting.
  const exitOverride = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

/** Exit status of what commander stopped at: 0 for help asked for, 2 for any usage problem (help shown unasked included). */
export function commanderExitCode(error: CommanderError): number {
  return error.exitCode === 0 ? 0 : 2;
}
