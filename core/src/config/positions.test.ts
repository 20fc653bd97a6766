import { describe, expect, it } from 'vitest';
import { parseYaml } from './parseYaml.js';
import { formatPath } from './paths.js';
import { MINIMAL_YAML, problemLines } from './fixtures.js';

const SOURCE = `services:
  faas:
    name: x
    pipelines: [a, b]
  other: { name: y }
empty:
`;

describe('SourceMap', () => {
  const { sourceMap, problems } = parseYaml(SOURCE);

  it('parses without problems', () => {
    expect(problems).toEqual([]);
  });

  it('places a value, a key, and the mapping that holds a key', () => {
    expect(sourceMap.locate({ pointer: '/services/faas/pipelines/1', message: '' })).toEqual({ line: 4, column: 20 });
    expect(sourceMap.locate({ pointer: '/services/faas/name', message: '', at: 'key' })).toEqual({ line: 3, column: 5 });
    expect(sourceMap.locate({ pointer: '/services/faas/name', message: '' })).toEqual({ line: 3, column: 11 });
    expect(sourceMap.locate({ pointer: '/services/faas/artifacts', message: '', at: 'parent' })).toEqual({ line: 3, column: 5 });
    expect(sourceMap.locate({ pointer: '/services/other/artifacts', message: '', at: 'parent' })).toEqual({ line: 5, column: 10 });
  });

  it('falls back to the nearest value written in the file', () => {
    expect(sourceMap.locate({ pointer: '/services/faas/pipelines/7', message: '' })).toEqual({ line: 4, column: 16 });
    expect(sourceMap.locate({ pointer: '/nowhere/at/all', message: '' })).toEqual({ line: 1, column: 1 });
  });

  it('places an empty value at its key', () => {
    expect(sourceMap.locate({ pointer: '/empty', message: '' })).toEqual({ line: 6, column: 1 });
  });

  it('keeps keys in file order', () => {
    expect(parseYaml('m:\n  b: 1\n  "2": 2\n  a: 3\n').sourceMap.keysOf('/m')).toEqual(['b', '2', 'a']);
  });
});

describe('formatPath', () => {
  const lists = new Set(['/services/faas/pipelines', '/webhooks']);
  const isList = (pointer: string) => lists.has(pointer);

  it('prints keys with dots and list indexes in brackets', () => {
    expect(formatPath('/services/faas/pipelines/0', isList)).toBe('services.faas.pipelines[0]');
    expect(formatPath('/webhooks/2/retry/attempts', isList)).toBe('webhooks[2].retry.attempts');
    expect(formatPath('', isList)).toBe('');
  });

  it('keeps numeric keys of mappings as keys and quotes keys with dots', () => {
    expect(formatPath('/environments/1', isList)).toBe('environments.1');
    expect(formatPath('/services/my.svc/name', isList)).toBe('services["my.svc"].name');
  });
});

describe('YAML problems', () => {
  it('reports a syntax error with its position', async () => {
    expect(await problemLines(`${MINIMAL_YAML}webhooks:\n  - url: "http://x\n`)).toEqual([
      'deploydb.yaml:14:1: missing closing "quote',
    ]);
    expect(await problemLines(`server:\n\tport: 1\n`)).toEqual(['deploydb.yaml:2:1: tabs are not allowed as indentation']);
  });

  it('reports a duplicate key at the second one, naming the first', async () => {
    const source = MINIMAL_YAML.replace('    name: Shop\n', '    name: Shop\n    name: Shop again\n');
    expect(await problemLines(source)).toEqual(['deploydb.yaml:10:5 services.shop.name: duplicate key (first written at line 9)']);
  });

  it('reports every YAML problem at once', async () => {
    const source = `a: 1\nb: 2\na: 3\nc: !custom 4\nb: 5\n`;
    expect(await problemLines(source)).toEqual([
      'deploydb.yaml:3:1 a: duplicate key (first written at line 1)',
      'deploydb.yaml:4:4 c: unresolved tag: !custom',
      'deploydb.yaml:5:1 b: duplicate key (first written at line 2)',
    ]);
  });

  it('refuses several documents in one file', async () => {
    expect(await problemLines(`${MINIMAL_YAML}---\nserver: {}\n`)).toEqual([
      'deploydb.yaml:12:1: a configuration file holds one YAML document: remove this "---" and what follows, or merge it into the first',
    ]);
  });

  it('refuses a file that is not a mapping', async () => {
    expect(await problemLines('- a\n- b\n')).toEqual([
      'deploydb.yaml:1:1: the configuration must be a mapping of sections (server, environments, ...), not a list',
    ]);
  });
});
