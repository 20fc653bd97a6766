import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../cliErrors.js';
import { Output, type OutputFormat } from '../output.js';
import { NAME_PATTERN, SCAFFOLD_KINDS, type ScaffoldKind } from '../scaffold/names.js';
import { writeScaffold } from '../scaffold/scaffold.js';

/** `new promotion|subscriber|source <Name>`: a plugin package that builds and passes its tests as written. */
export function newCommand(program: Command): void {
  program
    .command('new')
    .description('write a new plugin package (promotion, subscriber or source) that builds and passes its tests as generated')
    .argument('<kind>', SCAFFOLD_KINDS.join(' | '))
    .argument('<Name>', 'e.g. ChangeWindow: a promotion type, and the package deploydb-<kind>-change-window')
    .option('--dir <dir>', 'the package folder (default ./deploydb-<kind>-<name>); must not exist, or be empty')
    .option('--core <spec>', 'how the package depends on @deploydb/core, e.g. file:/path/to/deploydb-core-0.1.0.tgz (default: the tarball of `npm run pack`, or this core)')
    .action((kind: string, name: string, options: { dir?: string; core?: string }, command: Command) => {
      if (!(SCAFFOLD_KINDS as readonly string[]).includes(kind)) throw new UsageError(`<kind> is one of ${SCAFFOLD_KINDS.join(', ')}, not "${kind}"`);
      if (!NAME_PATTERN.test(name)) throw new UsageError(`<Name> starts with a letter and holds only letters and digits, e.g. ChangeWindow; not "${name}"`);
      let written;
      try {
        written = writeScaffold({ kind: kind as ScaffoldKind, name, dir: options.dir, core: options.core, cwd: process.cwd() });
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const out = new Output(command.optsWithGlobals<{ output: OutputFormat }>().output);
      if (out.json) return out.writeJson({ package: written.names.packageName, dir: written.dir, core: written.core.spec, files: written.files });
      out.line(`wrote ${written.names.packageName} in ${written.dir}`);
      out.line(`@deploydb/core: ${written.core.spec} (${written.core.source})`);
      out.line('next:');
      out.line(`  cd ${path.relative(process.cwd(), written.dir) || '.'} && npm install && npm run build && npm test`);
    });
}
