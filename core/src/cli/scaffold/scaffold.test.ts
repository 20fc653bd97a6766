import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pluginNames } from './names.js';
import { writeScaffold } from './scaffold.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'deploydb-scaffold-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('pluginNames', () => {
  it('makes the package name and id from the kind and a PascalCase or camelCase name', () => {
    expect(pluginNames('promotion', 'ChangeWindow')).toEqual({ kind: 'promotion', name: 'ChangeWindow', kebab: 'change-window', packageName: 'deploydb-promotion-change-window' });
    expect(pluginNames('subscriber', 'chatOps2').packageName).toBe('deploydb-subscriber-chat-ops2');
    expect(pluginNames('source', 'HTTPInventory').kebab).toBe('http-inventory');
  });
});

describe('writeScaffold', () => {
  it.each(['promotion', 'subscriber', 'source'] as const)('writes a %s package depending on the core it is given', (kind) => {
    const written = writeScaffold({ kind, name: 'Acme', cwd: work, core: 'file:/opt/deploydb-core-0.1.0.tgz' });
    expect(written.dir).toBe(path.join(work, `deploydb-${kind}-acme`));
    expect(written.files.sort()).toEqual(['.gitignore', 'README.md', 'package.json', 'src/index.ts', 'test/plugin.test.ts', 'tsconfig.build.json', 'tsconfig.json', 'vitest.config.ts']);
    const manifest = JSON.parse(fs.readFileSync(path.join(written.dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: `deploydb-${kind}-acme`,
      type: 'module',
      peerDependencies: { '@deploydb/core': expect.stringMatching(/^\^\d+\.\d+\.0$/) },
      devDependencies: { '@deploydb/core': 'file:/opt/deploydb-core-0.1.0.tgz', typescript: expect.any(String), vitest: expect.any(String) },
      scripts: { build: 'tsc -p tsconfig.build.json', test: 'vitest run' },
    });
    const source = fs.readFileSync(path.join(written.dir, 'src/index.ts'), 'utf8');
    const helper = { promotion: 'definePromotionPlugin', subscriber: 'defineSubscriberPlugin', source: 'defineSourcePlugin' }[kind];
    expect(source).toContain(`${helper}({\n  id: 'deploydb-${kind}-acme',`);
    expect(fs.readFileSync(path.join(written.dir, 'test/plugin.test.ts'), 'utf8')).toContain("from '@deploydb/core/testing'");
  });

  it('writes into the folder given, and refuses one that holds anything', () => {
    const dir = path.join(work, 'mine');
    expect(writeScaffold({ kind: 'promotion', name: 'Gate', dir, cwd: work, core: 'file:/x.tgz' }).dir).toBe(dir);
    expect(() => writeScaffold({ kind: 'promotion', name: 'Gate', dir, cwd: work, core: 'file:/x.tgz' })).toThrow(`${dir} already exists and is not an empty folder`);
  });

  it('depends on the tarball of npm run pack when this checkout has one, else on this core', () => {
    const written = writeScaffold({ kind: 'source', name: 'Default', cwd: work });
    const spec = JSON.parse(fs.readFileSync(path.join(written.dir, 'package.json'), 'utf8')).devDependencies['@deploydb/core'] as string;
    expect(spec).toMatch(/^file:\//);
    expect(fs.existsSync(spec.slice('file:'.length))).toBe(true);
  });
});
