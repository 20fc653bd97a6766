import type { PluginNames } from './names.js';
import type { GeneratedFile } from './packageFiles.js';

/** A source plugin that registers the artifacts its config lists, and its tests (fake commands, kernel). */
export function sourceTemplate(n: PluginNames): GeneratedFile[] {
  return [
    {
      path: 'src/index.ts',
      text: `import { Type, defineSourcePlugin } from '@deploydb/core';

const Artifact = Type.Object(
  {
    group: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1 }),
    version: Type.String({ minLength: 1 }),
    sourceUrl: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

/** The plugin's \`config:\` under \`plugins:\` in deploydb.yaml. */
export const configSchema = Type.Object({ artifacts: Type.Array(Artifact, { default: [] }) }, { additionalProperties: false });

/**
 * Registers the artifacts its config lists when DeployDB starts, through the same command as
 * \`POST /api/artifacts\` (as the caller \`source:${n.packageName}\`). One already registered is
 * skipped, so a restart registers nothing twice.
 */
export default defineSourcePlugin({
  id: '${n.packageName}',
  configSchema,
  create: ({ config, commands, logger }) => ({
    async start() {
      for (const artifact of config.artifacts) {
        const { created } = await commands.registerArtifact(artifact);
        logger.info({ artifact }, created ? 'registered' : 'already registered');
      }
    },
  }),
});
`,
    },
    {
      path: 'test/plugin.test.ts',
      text: `import { describe, expect, it } from 'vitest';
import type { ArtifactInput, SourceCommands } from '@deploydb/core';
import { ManualClock, silentLogger, startTestKernel } from '@deploydb/core/testing';
import plugin from '../src/index.js';

const WEB = { group: 'com.acme', name: 'web', version: '1.0.0', sourceUrl: 'https://ci.acme.example/web/1.0.0' };

describe('${n.name}', () => {
  it('registers each artifact of its config when started', async () => {
    const registered: ArtifactInput[] = [];
    const commands = {
      actor: 'source:${n.packageName}',
      registerArtifact: async (input: ArtifactInput) => {
        registered.push(input);
        return { artifact: { id: registered.length, revision: null, committedAt: null, createdAt: new Date().toISOString(), ...input }, created: true };
      },
    } as unknown as SourceCommands;
    const instance = await plugin.create({ config: { artifacts: [WEB] }, commands, deps: {}, logger: silentLogger, clock: new ManualClock(), configDir: '.' });
    await instance.start?.();
    expect(registered).toEqual([WEB]);
  });
});

describe('${n.name} in a DeployDB kernel', () => {
  it('registers its artifacts at start, once across restarts', async () => {
    const config = \`
plugins: [{ package: ${n.packageName}, config: { artifacts: [{ group: com.acme, name: web, version: 1.0.0, sourceUrl: "https://ci.acme.example/web/1.0.0" }] } }]
environments: { prod: {} }
pipelines: { main: { environments: [prod] } }
services: { web: { name: Web, artifacts: ["com.acme:web"], pipelines: [main] } }
\`;
    const first = await startTestKernel({ plugins: { '${n.packageName}': plugin }, listen: false, config });
    await first.stop();
    const again = await startTestKernel({ plugins: { '${n.packageName}': plugin }, listen: false, config, reuse: first });
    try {
      const artifacts = (await again.request('GET', '/api/artifacts')).body;
      expect(artifacts.items).toEqual([expect.objectContaining(WEB)]);
    } finally {
      await again.destroy();
      await first.destroy();
    }
  });
});
`,
    },
  ];
}
