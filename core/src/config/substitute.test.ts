import { describe, expect, it } from 'vitest';
import { expand, retype } from './substitute.js';
import { load, MINIMAL_YAML, problemLines } from './fixtures.js';

describe('expand', () => {
  it('replaces ${NAME} from the environment', () => {
    expect(expand('http://${HOST}:${PORT}/x', { HOST: 'h', PORT: '81' })).toEqual({ value: 'http://h:81/x', whole: false, problems: [] });
  });

  it('uses the default when the variable is unset or empty, as a shell does', () => {
    expect(expand('${PORT:-8080}', {}).value).toBe('8080');
    expect(expand('${PORT:-8080}', { PORT: '' }).value).toBe('8080');
    expect(expand('${PORT:-8080}', { PORT: '9090' }).value).toBe('9090');
    expect(expand('${X:-}', {}).value).toBe('');
    expect(expand('${X:-a:b c}', {}).value).toBe('a:b c');
  });

  it('keeps an empty variable without default as empty', () => {
    expect(expand('${EMPTY}', { EMPTY: '' })).toEqual({ value: '', whole: true, problems: [] });
  });

  it('reports an unset variable without default and leaves the reference', () => {
    expect(expand('a ${MISSING} b', {})).toEqual({
      value: 'a ${MISSING} b',
      whole: false,
      problems: [{ index: 2, reference: '${MISSING}', message: 'environment variable MISSING is not set' }],
    });
  });

  it('writes $${ as a literal ${ and leaves other dollars alone', () => {
    expect(expand('$${HOME} costs $5 and $$', { HOME: '/root' }).value).toBe('${HOME} costs $5 and $$');
    expect(expand('$${HOME}', {}).whole).toBe(false);
  });

  it('marks text made only of references as whole', () => {
    expect(expand('${A}${B}', { A: '1', B: '2' })).toMatchObject({ value: '12', whole: true });
    expect(expand('${A}x', { A: '1' }).whole).toBe(false);
  });

  it('reports malformed references', () => {
    expect(expand('${not valid}', {}).problems[0]?.message).toMatch(/^invalid reference "\$\{not valid\}"/);
    expect(expand('abc ${OPEN', {}).problems[0]?.message).toMatch(/^unterminated "\$\{"/);
  });
});

describe('retype', () => {
  it('types a value as YAML types a plain scalar', () => {
    expect(retype('8080')).toBe(8080);
    expect(retype('2.5')).toBe(2.5);
    expect(retype('true')).toBe(true);
    expect(retype('null')).toBe(null);
    expect(retype('')).toBe(null);
    expect(retype('0x1F')).toBe(31);
    expect(retype('hello')).toBe('hello');
  });

  it('keeps the text of anything that is not one plain scalar', () => {
    expect(retype('abc # not a comment')).toBe('abc # not a comment');
    expect(retype('123 # x')).toBe('123 # x');
    expect(retype('a: b')).toBe('a: b');
    expect(retype('[1, 2]')).toBe('[1, 2]');
    expect(retype('!!str 5')).toBe('!!str 5');
    expect(retype('"5"')).toBe('"5"');
    expect(retype('- 5')).toBe('- 5');
  });
});

describe('substitution in a configuration file', () => {
  it('re-types a plain scalar made only of a reference, and keeps quoted ones strings', async () => {
    const config = await load(`server:\n  port: \${PORT_IN_FILE:-8081}\n${MINIMAL_YAML}`, { env: {} });
    expect(config.server.port).toBe(8081);
    const quoted = await problemLines(`server:\n  port: "\${PORT_IN_FILE:-8081}"\n${MINIMAL_YAML}`, { env: {} });
    expect(quoted).toEqual(['deploydb.yaml:2:9 server.port: must be an integer, not a string']);
  });

  it('substitutes inside longer strings and in every kind of scalar', async () => {
    const source = MINIMAL_YAML.replace('name: Shop', 'name: "Shop (${STAGE})"').replace(
      'dev: { url: "http://dev.internal" }',
      "dev:\n    url: 'http://${DEV_HOST}'\n    description: |\n      Dev on ${DEV_HOST}\n",
    );
    const config = await load(source, { env: { STAGE: 'beta', DEV_HOST: 'dev.example' } });
    expect(config.services[0]!.name).toBe('Shop (beta)');
    expect(config.environments[0]).toEqual({ key: 'dev', url: 'http://dev.example', description: 'Dev on dev.example\n', hosts: [] });
  });

  it('writes $${ as a literal ${', async () => {
    const config = await load(MINIMAL_YAML.replace('name: Shop', () => 'name: "costs $${PRICE}"'), { env: { PRICE: '1' } });
    expect(config.services[0]!.name).toBe('costs ${PRICE}');
  });

  it('reports an unset variable at its place in the scalar, with the key path', async () => {
    const source = `database:\n  url: "postgres://\${DB_HOST}/deploydb"\n${MINIMAL_YAML}`;
    expect(await problemLines(source, { env: {} })).toEqual(['deploydb.yaml:2:20 database.url: environment variable DB_HOST is not set']);
  });

  it('reports every unset variable, and nothing else about the values that held them', async () => {
    const source = `server:\n  port: \${APP_PORT}\n  host: \${APP_HOST}\n${MINIMAL_YAML}`;
    expect(await problemLines(source, { env: {} })).toEqual([
      'deploydb.yaml:2:9 server.port: environment variable APP_PORT is not set',
      'deploydb.yaml:3:9 server.host: environment variable APP_HOST is not set',
    ]);
  });

  it('explains a re-typed value where a string was expected', async () => {
    const source = MINIMAL_YAML.replace('name: Shop', 'name: ${SHOP_NAME}');
    expect(await problemLines(source, { env: { SHOP_NAME: '42' } })).toEqual([
      'deploydb.yaml:9:11 services.shop.name: must be a string, not an integer (${SHOP_NAME} is read as a YAML value; write it in quotes to keep it a string: "${SHOP_NAME}")',
    ]);
  });

  it('leaves keys alone', async () => {
    const lines = await problemLines(`\${SECTION}: {}\n${MINIMAL_YAML}`, { env: { SECTION: 'server' } });
    expect(lines).toEqual(['deploydb.yaml:1:1 ["${SECTION}"]: unknown key "${SECTION}"; allowed keys: server, logging, database, queue, plugins, auth, environments, promotions, pipelines, services, webhooks']);
  });
});
