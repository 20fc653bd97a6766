import type { PluginNames } from './names.js';
import type { GeneratedFile } from './packageFiles.js';

/** A promotion plugin that passes from a UTC time of day on, and its tests (contract, clock, kernel). */
export function promotionTemplate(n: PluginNames): GeneratedFile[] {
  return [
    {
      path: 'src/index.ts',
      text: `import { Type, coreServices, definePromotionPlugin, type Verdict } from '@deploydb/core';

/** A promotion's settings in deploydb.yaml, beside \`type: ${n.name}\`. */
export const settingsSchema = Type.Object(
  {
    /** UTC time of day ("HH:MM") from which deployments pass. */
    opensAt: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '00:00' }),
  },
  { additionalProperties: false },
);

/** Passes a deployment once the UTC time of day reaches \`opensAt\`; until then it waits, saying until when. */
export default definePromotionPlugin({
  id: '${n.packageName}',
  type: '${n.name}',
  settingsSchema,
  deps: { logger: coreServices.logger },
  create: ({ deps }) => ({
    evaluate({ settings, clock, deployment }): Verdict {
      const now = clock.now();
      const [hours, minutes] = settings.opensAt.split(':').map(Number) as [number, number];
      const opens = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hours, minutes);
      if (now.getTime() >= opens) return { status: 'SUCCESS', evidence: { passedAt: now.toISOString() } };
      deps.logger.debug({ deploymentId: deployment.id }, \`waiting until \${settings.opensAt} UTC\`);
      return { status: 'PENDING', reason: \`waiting until \${settings.opensAt} UTC\`, checkAgainIn: Math.ceil((opens - now.getTime()) / 1000) };
    },
  }),
});
`,
    },
    {
      path: 'test/plugin.test.ts',
      text: `import { describe, expect, it } from 'vitest';
import { ManualClock, evaluationContext, promotionPluginContract, silentLogger, startTestKernel } from '@deploydb/core/testing';
import plugin from '../src/index.js';

// What every promotion plugin must do: its schema, well-formed verdicts, the same answer twice.
promotionPluginContract('${n.name}', {
  plugin,
  validSettings: [{ opensAt: '08:00' }, {}],
  invalidSettings: [{ opensAt: '8 am' }, { opensAt: '24:00' }, { opensAt: '08:00', colour: 'red' }],
  scenarios: [{ name: 'open all day', settings: { opensAt: '00:00' }, expect: 'SUCCESS' }],
  deps: { logger: silentLogger },
});

describe('${n.name} at a chosen time', () => {
  const instance = () => plugin.create({ config: {}, deps: { logger: silentLogger }, logger: silentLogger, clock: new ManualClock(), configDir: '.' });

  it('waits until opensAt, saying so, and asks to be checked again then', async () => {
    const clock = new ManualClock('2026-03-02T07:30:00Z');
    const verdict = await (await instance()).evaluate(evaluationContext('${n.name}', { settings: { opensAt: '08:00' }, clock }));
    expect(verdict).toEqual({ status: 'PENDING', reason: 'waiting until 08:00 UTC', checkAgainIn: 1800 });
  });

  it('passes from opensAt on', async () => {
    const clock = new ManualClock('2026-03-02T08:00:00Z');
    const verdict = await (await instance()).evaluate(evaluationContext('${n.name}', { settings: { opensAt: '08:00' }, clock }));
    expect(verdict).toMatchObject({ status: 'SUCCESS' });
  });
});

describe('${n.name} in a DeployDB kernel', () => {
  it('keeps a deployment waiting until the window opens, then verifies it', async () => {
    // The plugin's clock starts two seconds before 08:00 UTC; the ledger keeps real time.
    const t = await startTestKernel({
      plugins: { '${n.packageName}': plugin },
      listen: false,
      startAt: '2026-03-02T07:59:58Z',
      config: \`
plugins: [{ package: ${n.packageName} }]
environments: { prod: {} }
promotions: { window: { type: ${n.name}, opensAt: "08:00" } }
pipelines: { main: { environments: [{ name: prod, promotions: [window] }] } }
services: { web: { name: Web, artifacts: ["com.acme:web"], pipelines: [main] } }
\`,
    });
    try {
      const registered = await t.request('POST', '/api/artifacts', { group: 'com.acme', name: 'web', version: '1.0.0', sourceUrl: 'https://ci.acme.example/web/1.0.0' });
      expect(registered.status).toBe(201);
      const id = registered.body.flows[0].deployments[0].id;
      expect((await t.request('PATCH', \`/api/deployments/\${id}\`, { status: 'COMPLETED' })).status).toBe(200);

      const seen = new Set<string>();
      const deadline = Date.now() + 15_000;
      let deployment = (await t.request('GET', \`/api/deployments/\${id}\`)).body;
      while (deployment.status === 'COMPLETED' && Date.now() < deadline) {
        const [result] = deployment.promotions;
        if (result.reason) seen.add(result.reason);
        await new Promise((resolve) => setTimeout(resolve, 100));
        deployment = (await t.request('GET', \`/api/deployments/\${id}\`)).body;
      }
      expect([...seen]).toEqual(['waiting until 08:00 UTC']);
      expect(deployment.status).toBe('VERIFIED');
      expect(deployment.promotions[0]).toMatchObject({ status: 'SUCCESS', nextEvaluationAt: null });
    } finally {
      await t.destroy();
    }
  });
});
`,
    },
  ];
}
