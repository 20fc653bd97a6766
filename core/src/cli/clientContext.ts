import { Option, type Command } from 'commander';
import { ApiClient } from './apiClient.js';
import { Output, type OutputFormat } from './output.js';

/** Options every client command takes, wherever they are written on the line. */
export interface ClientOptions {
  url?: string;
  token?: string;
  output: OutputFormat;
}

/** Adds the options of the client commands to the program. */
export function addClientOptions(program: Command): void {
  program
    .option('--url <url>', 'DeployDB to talk to (default: $DEPLOYDB_URL, else http://127.0.0.1:8080)')
    .option('--token <token>', 'bearer token (default: $DEPLOYDB_TOKEN)')
    .addOption(new Option('-o, --output <format>', 'table for people, json (the API\'s JSON) for scripts').choices(['table', 'json']).default('table'));
}

/** The API client and the output of a client command, from its options and the program's. */
export function clientContext(command: Command): { api: ApiClient; out: Output; options: ClientOptions } {
  const options = command.optsWithGlobals<ClientOptions>();
  return { api: new ApiClient({ url: options.url, token: options.token }), out: new Output(options.output), options };
}
