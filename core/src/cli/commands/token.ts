import { createHash, randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { ROLES } from '../../config/model.js';
import { UsageError } from '../cliErrors.js';
import { Output, type OutputFormat } from '../output.js';

/** Random bytes in a token: 256 bits. */
const TOKEN_BYTES = 32;

/** `token new`: a fresh token, and the `auth.tokens` entry that holds only its hash. */
export function tokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens');
  token
    .command('new')
    .description('make a random token and print the auth.tokens entry to paste into deploydb.yaml (it holds only the hash)')
    .option('--name <name>', 'who or what will use it', 'token')
    .option('--roles <roles>', `comma-separated: ${ROLES.join(', ')}`, 'read')
    .action((options: { name: string; roles: string }, command: Command) => {
      const roles = options.roles.split(',').map((r) => r.trim()).filter(Boolean);
      const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
      if (roles.length === 0 || unknown.length > 0) throw new UsageError(`--roles takes ${ROLES.join(', ')}${unknown.length ? `, not ${unknown.join(', ')}` : ''}`);
      if (!options.name.trim()) throw new UsageError('--name must not be empty');
      const value = randomBytes(TOKEN_BYTES).toString('base64url');
      const tokenHash = `sha256:${createHash('sha256').update(value).digest('hex')}`;
      const out = new Output(command.optsWithGlobals<{ output: OutputFormat }>().output);
      if (out.json) return out.writeJson({ token: value, entry: { name: options.name, tokenHash, roles } });
      out.line(`token: ${value}`);
      out.line(`- { name: ${yamlScalar(options.name)}, tokenHash: "${tokenHash}", roles: [${roles.join(', ')}] }`);
    });
}

/** A name as YAML flow syntax takes it: plain when it is safe, else double-quoted. */
function yamlScalar(text: string): string {
  const plain = /^[A-Za-z][A-Za-z0-9_.-]*$/.test(text) && !/^(true|false|null|yes|no|on|off)$/i.test(text);
  return plain ? text : JSON.stringify(text);
}
