import type { PluginNames } from './names.js';
import { TOOL_VERSIONS } from './versions.js';

/** A file of the generated package: its path inside the package folder and its text. */
export interface GeneratedFile {
  path: string;
  text: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** What every kind of plugin package holds besides its source and test: manifest, compiler and test settings. */
export function packageFiles(names: PluginNames, coreSpec: string, coreVersion: string): GeneratedFile[] {
  const [major, minor] = coreVersion.split('.');
  const peer = major === '0' ? `^0.${minor}.0` : `^${major}.0.0`;
  return [
    {
      path: 'package.json',
      text: json({
        name: names.packageName,
        version: '0.1.0',
        description: `DeployDB ${names.kind} plugin ${names.name}`,
        keywords: ['deploydb', 'deploydb-plugin', names.kind],
        type: 'module',
        main: './dist/index.js',
        types: './dist/index.d.ts',
        exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' },
        files: ['dist', 'README.md'],
        engines: { node: '>=20' },
        scripts: { build: 'tsc -p tsconfig.build.json', typecheck: 'tsc -p tsconfig.json', test: 'vitest run', prepack: 'npm run build' },
        // The host's copy of core, never one of the plugin's own: two copies would not share the kernel.
        peerDependencies: { '@deploydb/core': peer },
        devDependencies: { '@deploydb/core': coreSpec, ...TOOL_VERSIONS },
      }),
    },
    {
      path: 'tsconfig.json',
      text: json({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          declaration: true,
          skipLibCheck: true,
          types: ['node'],
          noEmit: true,
        },
        include: ['src', 'test'],
      }),
    },
    {
      path: 'tsconfig.build.json',
      text: json({ extends: './tsconfig.json', compilerOptions: { noEmit: false, rootDir: 'src', outDir: 'dist' }, include: ['src'] }),
    },
    {
      path: 'vitest.config.ts',
      text: `import { defineConfig } from 'vitest/config';

// A kernel test starts a real DeployDB on an embedded database: allow it the time.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 90_000, hookTimeout: 90_000 } });
`,
    },
    { path: '.gitignore', text: 'node_modules/\ndist/\n' },
  ];
}
