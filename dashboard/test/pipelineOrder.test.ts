import { describe, expect, it } from 'vitest';
import { environmentOrder, environmentsOf, promotionsFor } from '../src/pipelineOrder';

const pipeline = (key: string, environments: Array<string | [string, string[]]>) => ({
  key,
  environments: environments.map((e) => (typeof e === 'string' ? { name: e, promotions: [] } : { name: e[0], promotions: e[1] })),
});
const service = (key: string, pipelines: string[], promotions: string[] = []) => ({ key, name: key, artifacts: [], pipelines, promotions });

describe('environmentOrder', () => {
  it('keeps one pipeline in its order', () => {
    expect(environmentOrder([pipeline('p', ['dev', 'integ', 'preprod', 'prod'])])).toEqual(['dev', 'integ', 'preprod', 'prod']);
  });

  it('merges pipelines: a shortcut keeps the longer order, a new stage goes after the one it follows', () => {
    const order = environmentOrder([pipeline('main', ['dev', 'integ', 'prod']), pipeline('hotfix', ['dev', 'prod']), pipeline('perf', ['integ', 'perf', 'prod'])]);
    expect(order).toEqual(['dev', 'integ', 'perf', 'prod']);
  });

  it('puts a pipeline that starts elsewhere before the first stage it shares', () => {
    expect(environmentOrder([pipeline('main', ['integ', 'prod']), pipeline('sandbox', ['dev', 'integ'])])).toEqual(['dev', 'integ', 'prod']);
    expect(environmentOrder([pipeline('a', ['x']), pipeline('b', ['y'])])).toEqual(['x', 'y']);
  });

  it('takes only the pipelines of a service', () => {
    const pipelines = [pipeline('main', ['dev', 'prod']), pipeline('other', ['lab'])];
    expect(environmentsOf(service('s', ['main']), pipelines)).toEqual(['dev', 'prod']);
  });
});

describe('promotionsFor', () => {
  it("is the stage's promotions then the service's, without repeats", () => {
    const p = pipeline('main', ['dev', ['prod', ['smoke', 'approval']]]);
    expect(promotionsFor(service('s', ['main'], ['health', 'smoke']), p, 'prod')).toEqual(['smoke', 'approval', 'health']);
    expect(promotionsFor(service('s', ['main'], ['health']), p, 'dev')).toEqual(['health']);
    expect(promotionsFor(undefined, undefined, 'dev')).toEqual([]);
  });
});
