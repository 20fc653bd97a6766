import { it } from 'vitest';
import { load, EXAMPLE_YAML, problemLines, MINIMAL_YAML } from './fixtures.js';
it('smoke', async () => {
  console.log(JSON.stringify(await load(EXAMPLE_YAML), null, 1));
  console.log((await problemLines(EXAMPLE_YAML.replace('pipelines: [devtoprod]', 'pipelines: [devtoprd]').replace('hosts: [', 'hots: [').replace('port: 8080', 'port: 0').replace('name: "Fun as a Service"', 'nam: x'), {env: {}})).join('\n'));
});
