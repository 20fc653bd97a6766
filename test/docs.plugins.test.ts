/**
 * Every TypeScript example of docs/plugins.md compiles and runs. Each example is a fenced block
 * tagged with the file it stands for (```ts file=src/chat.ts); together they make a small plugin
 * project, written under test-output/ (inside the repository, so `@deploydb/core` resolves to the
 * built package, as for an author), typechecked with its own tsconfig and tested by vitest in a
 * process of its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireBuilt, run } from './support/packProject.js';

const DOC = path.join(ROOT, 'docs', 'plugins.md');
const PROJECT = path.join(ROOT, 'test-output', 'docs-plugins');

/** The fenced blocks of a Markdown text: their info string and their text. */
function fencedBlocks(markdown: string): { info: string; text: string }[] {
  return [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1]!.trim(), text: m[2]! }));
}

describe('the examples of docs/plugins.md', () => {
  const blocks = fencedBlocks(fs.readFileSync(DOC, 'utf8'));
  const files = blocks.flatMap((b) => {
    const file = /^ts file=(\S+)$/.exec(b.info)?.[1];
    return file ? [{ file, text: b.text }] : [];
  });

  beforeAll(() => {
    requireBuilt(['core']);
    fs.rmSync(PROJECT, { recursive: true, force: true });
    for (const { file, text } of files) {
      fs.mkdirSync(path.dirname(path.join(PROJECT, file)), { recursive: true });
      fs.writeFileSync(path.join(PROJECT, file), text);
    }
    fs.writeFileSync(path.join(PROJECT, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true }, include: ['src', 'test'] }));
    fs.writeFileSync(
      path.join(PROJECT, 'vitest.config.ts'),
      "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 90_000, hookTimeout: 90_000, fileParallelism: false } });\n",
    );
  });

  it('tags every TypeScript example with the file it stands for, each file once', () => {
    const untagged = blocks.filter((b) => /^(ts|typescript)\b/.test(b.info) && !/^ts file=\S+$/.test(b.info));
    expect(untagged.map((b) => b.text.split('\n')[0])).toEqual([]);
    expect(new Set(files.map((f) => f.file)).size).toBe(files.length);
    // A plugin of each kind, and tests that run them.
    expect(files.map((f) => f.file)).toEqual(expect.arrayContaining(['src/soakGate.ts', 'src/chat.ts', 'src/inventory.ts', 'src/deployCounter.ts', 'test/soakGate.test.ts']));
  });

  it('compiles, against the built @deploydb/core', { timeout: 180_000 }, async () => {
    const result = await run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(PROJECT, 'tsconfig.json')], { cwd: PROJECT, timeoutMs: 170_000 });
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('runs, every test passing', { timeout: 300_000 }, async () => {
    const result = await run(process.execPath, [path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', path.join(PROJECT, 'vitest.config.ts')], {
      cwd: PROJECT,
      timeoutMs: 290_000,
    });
    // eslint-disable-next-line no-control-regex -- the escape character is what starts a colour
    const output = (result.stdout + result.stderr).replace(/\x1b\[[0-9;]*m/g, '');
    expect(result.code, output.slice(-6000)).toBe(0);
    const testFiles = files.filter((f) => f.file.endsWith('.test.ts')).length;
    expect(output).toMatch(new RegExp(`Test Files\\s+${testFiles} passed \\(${testFiles}\\)`));
  });
});
