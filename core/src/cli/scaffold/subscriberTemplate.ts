import type { PluginNames } from './names.js';
import type { GeneratedFile } from './packageFiles.js';

/** A subscriber plugin that logs deployments completed or failed, and its tests (handler, kernel with a fake logger). */
export function subscriberTemplate(n: PluginNames): GeneratedFile[] {
  return [
    {
      path: 'src/index.ts',
      text: `import { Type, coreServices, defineSubscriberPlugin, type CloudEvent, type Deployment } from '@deploydb/core';

/** The plugin's \`config:\` under \`plugins:\` in deploydb.yaml. */
export const configSchema = Type.Object(
  {
    /** Environments whose deployments are logged; empty: all. */
    environments: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
  },
  { additionalProperties: false },
);

/** The line logged for a deployment event. */
export function lineFor(event: CloudEvent): string {
  const deployment = event.data as Deployment;
  const { artifact } = deployment;
  return \`\${deployment.service}: \${artifact.group}:\${artifact.name} \${artifact.version} \${deployment.status} in \${deployment.environment}\`;
}

/**
 * Logs each deployment that completes or fails. DeployDB delivers every event at least once
 * from this plugin's own consumer group; a handler that throws gets the event again later.
 */
export default defineSubscriberPlugin({
  id: '${n.packageName}',
  configSchema,
  deps: { logger: coreServices.logger },
  create: ({ config, deps }) => ({
    subscribe: [
      {
        events: ['deployment.completed', 'deployment.failed'],
        ...(config.environments.length > 0 ? { environments: config.environments } : {}),
        handle(event) {
          deps.logger.info({ eventId: event.id, subject: event.subject }, lineFor(event));
        },
      },
    ],
  }),
});
`,
    },
    {
      path: 'test/plugin.test.ts',
      text: `import { describe, expect, it } from 'vitest';
import { coreServices, type CloudEvent, type Logger } from '@deploydb/core';
import { ManualClock, silentLogger, startTestKernel } from '@deploydb/core/testing';
import plugin, { lineFor } from '../src/index.js';

/** A logger that keeps the messages logged at info. */
function keepingLogger(lines: string[]): Logger {
  const logger: Logger = {
    ...silentLogger,
    info: (obj, msg) => void lines.push(typeof obj === 'string' ? obj : (msg ?? '')),
    child: () => logger,
  };
  return logger;
}

const event = (environment: string): CloudEvent => ({
  specversion: '1.0',
  id: '0190f0e0-0000-7000-8000-000000000001',
  source: 'deploydb',
  type: 'deploydb.deployment.completed',
  time: '2026-03-02T08:00:00.000Z',
  subject: 'deployments/7',
  datacontenttype: 'application/json',
  data: {
    id: 7, flowId: 1, service: 'web', pipeline: 'main', environment, status: 'COMPLETED', kind: 'flow', reason: null, promotions: [],
    artifact: { id: 1, group: 'com.acme', name: 'web', version: '1.0.0', sourceUrl: 'https://ci.acme.example/web/1.0.0', revision: null, committedAt: null, createdAt: '2026-03-02T07:00:00.000Z' },
    statusAt: '2026-03-02T08:00:00.000Z', createdAt: '2026-03-02T07:00:00.000Z', updatedAt: '2026-03-02T08:00:00.000Z',
  },
});

describe('${n.name}', () => {
  it('logs one line per deployment event it is handed', async () => {
    const lines: string[] = [];
    const instance = await plugin.create({ config: { environments: ['prod'] }, deps: { logger: keepingLogger(lines) }, logger: silentLogger, clock: new ManualClock(), configDir: '.' });
    const [subscription] = instance.subscribe;
    expect(subscription!.events).toEqual(['deployment.completed', 'deployment.failed']);
    expect(subscription!.environments).toEqual(['prod']);
    await subscription!.handle(event('prod'), { deliveryCount: 1 });
    expect(lines).toEqual(['web: com.acme:web 1.0.0 COMPLETED in prod']);
    expect(lineFor(event('staging'))).toBe('web: com.acme:web 1.0.0 COMPLETED in staging');
  });
});

describe('${n.name} in a DeployDB kernel', () => {
  it('gets the deployments completed in its environments, through the logger the test hands it', async () => {
    const lines: string[] = [];
    const t = await startTestKernel({
      plugins: { '${n.packageName}': plugin },
      listen: false,
      // The kernel's logger service, replaced by one that keeps what the plugin logs.
      services: [[coreServices.logger, keepingLogger(lines)]],
      config: \`
plugins: [{ package: ${n.packageName}, config: { environments: [prod] } }]
environments: { staging: {}, prod: {} }
pipelines: { main: { environments: [staging, prod] } }
services: { web: { name: Web, artifacts: ["com.acme:web"], pipelines: [main] } }
\`,
    });
    try {
      const registered = await t.request('POST', '/api/artifacts', { group: 'com.acme', name: 'web', version: '2.0.0', sourceUrl: 'https://ci.acme.example/web/2.0.0' });
      expect(registered.status).toBe(201);
      const staging = registered.body.flows[0].deployments[0];
      // Without promotions staging is verified at once and the flow moves on to prod.
      expect((await t.request('PATCH', \`/api/deployments/\${staging.id}\`, { status: 'COMPLETED' })).status).toBe(200);
      const flow = (await t.request('GET', \`/api/flows/\${staging.flowId}\`)).body;
      const prod = flow.deployments.find((d: { environment: string }) => d.environment === 'prod');
      expect((await t.request('PATCH', \`/api/deployments/\${prod.id}\`, { status: 'COMPLETED' })).status).toBe(200);

      const deadline = Date.now() + 15_000;
      while (lines.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lines).toEqual(['web: com.acme:web 2.0.0 COMPLETED in prod']);
    } finally {
      await t.destroy();
    }
  });
});
`,
    },
  ];
}
