#!/usr/bin/env node
import { CommanderError } from 'commander';
import { RefusedError, UnreachableError, UsageError } from './cliErrors.js';
import { commanderExitCode, createProgram } from './program.js';

/**
 * Runs `deploydb` with its arguments. Exit status: 0 done, 1 the server refused (its error on
 * one line) or could not be reached, 2 bad usage (or an invalid configuration).
 */
async function runCli(argv: string[]): Promise<void> {
  const program = createProgram();
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    process.exitCode = 2;
    return;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = commanderExitCode(error);
      return;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`deploydb: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (error instanceof RefusedError) {
      // Scripts get the API's error body as is; people get it on one line.
      const json = program.opts<{ output?: string }>().output === 'json';
      process.stderr.write(json && error.body ? `${JSON.stringify(error.body)}\n` : `deploydb: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    if (error instanceof UnreachableError) {
      process.stderr.write(`deploydb: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

runCli(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`deploydb: ${error.message}\n`);
  process.exitCode = 1;
});
