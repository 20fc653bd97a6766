#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runServerCommand } from './serverCommands.js';
import { runClientCommand } from './clientCommands.js';

const USAGE = `usage: deploydb <command> [options]

server commands (options: --config PATH, else $DEPLOYDB_CONFIG, else ./deploydb.yaml):
  start                          start DeployDB
  validate                       check the configuration without starting anything (exit 0 / 2)
  migrate                        apply database migrations and exit

client commands (options: --url URL (default http://127.0.0.1:8080), --token T or $DEPLOYDB_TOKEN):
  artifact register --group G --name N --version V --source-url U
  deployment report <deploymentId> <STARTED|COMPLETED|FAILED> [--reason R]
  approve <deploymentId> [--promotion NAME] [--reject --reason R]
  status [<service>]             services, or one service per environment
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
      group: { type: 'string' },
      name: { type: 'string' },
      version: { type: 'string' },
      'source-url': { type: 'string' },
      reason: { type: 'string' },
      promotion: { type: 'string' },
      reject: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  if (command === 'start' || command === 'validate' || command === 'migrate') return runServerCommand(command, values.config);
  const code = await runClientCommand(command, rest, values);
  if (code === null) {
    process.stderr.write(`deploydb: unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`deploydb: ${error.message}\n`);
    process.exitCode = 1;
  },
);
