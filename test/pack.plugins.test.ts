/**
 * The packages as users get them: packed by npm, installed into a project of their own outside
 * this repository, run by the installed `deploydb` command. Catches what tests against the sources
 * cannot: a file missing from `files`, an `exports` map pointing nowhere, a plugin that only loads
 * next to the workspace's copy of core.
 *
 * Needs the workspace packages built (`npm test` builds them first); the example plugin builds
 * itself when packed (its `prepack` script).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@deploydb/core/testing';
import {
  captureOutput,
  deploydb,
  exitOf,
  installPackage,
  installTarballs,
  isolatedEnv,
  run,
  packAll,
  requireBuilt,
  waitForHealthy,
  type Packed,
  ROOT,
} from './support/packProject.js';
import { ChatServer } from '../examples/subscriber-chat/test/chatServer.js';

const WORKSPACE_PACKAGES = ['core', 'plugins/promotion-manual', 'plugins/promotion-webhook', 'plugins/promotion-jenkins'];

/** The example subscriber, installed and configured beside the promotion plugins. */
const CHAT = 'deploydb-subscriber-chat';
/** The source plugin, registering the artifacts of a folder of YAML files. */
const SOURCE = '@deploydb/source-files';

/** Every promotion plugin, each providing the type named, one promotion of each type in use. */
const PROMOTION_TYPES: Record<string, string> = {
  '@deploydb/promotion-manual': 'manual',
  '@deploydb/promotion-webhook': 'WebhookPromotion',
  '@deploydb/promotion-jenkins': 'JenkinsPromotion',
  'deploydb-promotion-soak-time': 'SoakTime',
};

let chatUrl = 'http://127.0.0.1:9/hooks';

const deploydbYaml = (manualPackage = '@deploydb/promotion-manual') => `
server: { host: 127.0.0.1, port: 8080 }     # $PORT overrides
database: { dir: .deploydb }
logging: { level: warn }
plugins:
  - package: "${manualPackage}"
  - package: "@deploydb/promotion-webhook"
  - package: "@deploydb/promotion-jenkins"
    config: { baseUrl: "http://127.0.0.1:9" }
  - package: "deploydb-promotion-soak-time"
  - package: "${CHAT}"
    config: { webhookUrl: "${chatUrl}", environments: [prod] }
  - package: "${SOURCE}"
    config: { dir: artifacts }
environments:
  staging: { url: "http://127.0.0.1:9" }
  prod: { description: "Production" }
promotions:
  approval: { type: manual }
  health: { type: WebhookPromotion, url: /health }
  smoke: { type: JenkinsPromotion, jobs: [smoke] }
  soak: { type: SoakTime, seconds: 60 }
pipelines:
  main:
    environments:
      - { name: staging, promotions: [soak, health, smoke] }
      - { name: prod, promotions: [approval] }
  direct:
    environments: [prod]
services:
  web: { name: "Web", artifacts: ["com.acme:web"], pipelines: [main] }
  api: { name: "API", artifacts: ["com.acme:api"], pipelines: [direct] }
`;

describe('the packed packages, installed in a project outside the repository', () => {
  let work: string;
  let project: string;
  let packed: Packed[] = [];
  let server: ChildProcess | null = null;
  let chat: ChatServer | undefined;

  beforeAll(async () => {
    requireBuilt(WORKSPACE_PACKAGES);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'deploydb-pack-'));
    const tarballs = path.join(work, 'tarballs');
    project = path.join(work, 'project');
    fs.mkdirSync(tarballs);
    fs.mkdirSync(project);
    chat = await new ChatServer().start();
    chatUrl = chat.url;
    packed = await packAll(tarballs);
    const installed = packed.filter((p) => p.name === '@deploydb/core' || p.name === CHAT || p.name === SOURCE || p.name in PROMOTION_TYPES);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'deploydb-pack-check', private: true, type: 'module' }, null, 2));
    await installTarballs(project, installed.map((r) => r.tarball));
    fs.writeFileSync(path.join(project, 'deploydb.yaml'), deploydbYaml());
    fs.mkdirSync(path.join(project, 'artifacts'));
    fs.writeFileSync(path.join(project, 'artifacts', 'web.yaml'), 'group: com.acme\nname: web\nversion: "0.9.0"\nsourceUrl: https://ci.acme.test/web/0.9.0\n');
  }, 600_000);

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exitOf(server, 5_000);
    }
    await chat?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('packs every publishable package, with one version, each plugin naming core as a peer', () => {
    const byDir = new Map(packed.map((p) => [p.dir, p]));
    const expected = ['core', ...['plugins', 'examples'].flatMap((folder) => fs.readdirSync(path.join(ROOT, folder)).map((name) => `${folder}/${name}`))]
      .filter((dir) => fs.existsSync(path.join(ROOT, dir, 'package.json')));
    expect([...byDir.keys()].sort()).toEqual(expected.sort());
    const version = byDir.get('core')!.version;
    for (const p of packed) {
      expect(p.version, p.dir).toBe(version);
      expect(path.basename(p.tarball), p.dir).toBe(`${p.name.replace('@', '').replace('/', '-')}-${version}.tgz`);
      if (p.dir === 'core') continue;
      const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, p.dir, 'package.json'), 'utf8'));
      expect(Object.keys(manifest.peerDependencies ?? {}), p.dir).toContain('@deploydb/core');
      expect(Object.keys(manifest.dependencies ?? {}), p.dir).not.toContain('@deploydb/core');
    }
  });

  it('packs what a user needs and nothing of the sources', () => {
    const byName = new Map(packed.map((p) => [p.name, p.files]));
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['@deploydb/core', ...Object.keys(PROMOTION_TYPES)]));
    expect(byName.get('@deploydb/core')).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/testing/index.d.ts', 'dist/cli/main.js', 'bin/deploydb.js']));
    for (const [name, files] of byName) {
      expect(files, name).toContain('package.json');
      expect(files.filter((f) => !f.startsWith('dist/') && f !== 'package.json' && f !== 'README.md' && f !== 'bin/deploydb.js'), name).toEqual([]);
    }
    for (const name of [...Object.keys(PROMOTION_TYPES), SOURCE]) {
      expect(byName.get(name), name).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'README.md']));
    }
  });

  it('installs each plugin next to one copy of core', () => {
    for (const name of ['@deploydb/core', CHAT, SOURCE, ...Object.keys(PROMOTION_TYPES)]) {
      expect(fs.existsSync(path.join(project, 'node_modules', name, 'package.json')), name).toBe(true);
      // A plugin with a core of its own would not share the kernel's types or registry.
      if (name !== '@deploydb/core') expect(fs.existsSync(path.join(project, 'node_modules', name, 'node_modules', '@deploydb', 'core')), name).toBe(false);
    }
  });

  it('validates the configuration with the installed command', { timeout: 90_000 }, async () => {
    const result = await deploydb(project, ['validate']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${path.join(project, 'deploydb.yaml')}: ok`);
  });

  it('refuses a plugin package that is not installed, saying how to install it', { timeout: 90_000 }, async () => {
    fs.writeFileSync(path.join(project, 'typo.yaml'), deploydbYaml('@deploydb/promotion-manuel'));
    const result = await deploydb(project, ['validate', '--config', 'typo.yaml']);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toContain('npm install @deploydb/promotion-manuel');
    expect(result.stderr).toMatch(/typo\.yaml:\d+:\d+ plugins\[0\]\.package/);
  });

  it('starts, lists every plugin type, registers the source folder\'s artifact and one over HTTP, and stops on SIGTERM', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['node_modules/@deploydb/core/dist/cli/main.js', 'start', '--config', 'deploydb.yaml'], {
      cwd: project,
      env: isolatedEnv({ PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    const output = captureOutput(child);
    await waitForHealthy(`${base}/health`, child, output, 60_000);

    // The installed source plugin registered its folder's artifact before DeployDB said it started.
    const fromFolder = (await (await fetch(`${base}/api/artifacts/by-module/com.acme:web`)).json()) as { items: Array<{ version: string }> };
    expect(fromFolder.items.map((a) => a.version)).toEqual(['0.9.0']);

    const promotions = (await (await fetch(`${base}/api/promotions`)).json()) as { items: Array<{ key: string; type: string }> };
    expect(new Set(promotions.items.map((p) => p.type))).toEqual(new Set(Object.values(PROMOTION_TYPES)));
    expect(promotions.items).toContainEqual({ key: 'soak', type: 'SoakTime', seconds: 60 });
    // Defaults of a published plugin's schema are filled in.
    expect(promotions.items).toContainEqual(expect.objectContaining({ key: 'approval', type: 'manual', required: 1 }));

    const response = await fetch(`${base}/api/artifacts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ group: 'com.acme', name: 'web', version: '1.0.0', sourceUrl: 'https://ci.acme.test/web/1.0.0' }),
    });
    const registered = (await response.json()) as { flows: Array<{ deployments: Array<{ environment: string; status: string; promotions: Array<{ promotion: string; type: string }> }> }> };
    expect(response.status, JSON.stringify(registered)).toBe(201);
    expect(registered.flows[0]!.deployments[0]).toMatchObject({
      environment: 'staging',
      status: 'CREATED',
      promotions: [
        { promotion: 'soak', type: 'SoakTime' },
        { promotion: 'health', type: 'WebhookPromotion' },
        { promotion: 'smoke', type: 'JenkinsPromotion' },
      ],
    });

    // The installed subscriber posts a prod deployment to the chat.
    const api = await fetch(`${base}/api/artifacts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ group: 'com.acme', name: 'api', version: '3.1.0', sourceUrl: 'https://ci.acme.test/api/3.1.0' }),
    });
    const apiFlow = (await api.json()) as { flows: Array<{ deployments: Array<{ id: number; environment: string }> }> };
    expect(api.status, JSON.stringify(apiFlow)).toBe(201);
    const prod = apiFlow.flows[0]!.deployments[0]!;
    const reported = await fetch(`${base}/api/deployments/${prod.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'COMPLETED' }) });
    expect(reported.status).toBe(200);
    expect((await chat!.waitFor(1)).map((p) => p.body)).toEqual([{ text: ':white_check_mark: api: com.acme:api 3.1.0 deployed to prod' }]);

    child.kill('SIGTERM');
    const exit = await exitOf(child, 30_000);
    expect(exit, output()).toBe(0);
  }, 120_000);

  // A plugin package written by the installed command outside the repository builds, typechecks
  // and passes its own tests (one of them in a real kernel) against the packed core, as generated.
  // `npm test` does so for a promotion; the subscriber and source kinds cost CI two more installs
  // and builds, and run with DEPLOYDB_ALL_SCAFFOLDS=1 (`npm run test:scaffolds`), all three at once.
  describe.concurrent.each(['promotion', 'subscriber', 'source'])('deploydb new %s', (kind) => {
    const wanted = kind === 'promotion' || process.env.DEPLOYDB_ALL_SCAFFOLDS === '1';
    if (!wanted) console.warn(`skipping the ${kind} scaffold's install and build: set DEPLOYDB_ALL_SCAFFOLDS=1 (npm run test:scaffolds) to run it`);
    it.runIf(wanted)('writes a package that installs, builds and passes its tests as generated', { timeout: 300_000 }, async () => {
      const dir = path.join(work, `scaffold-${kind}`);
      const written = await deploydb(project, ['new', kind, 'Gate', '--dir', dir]);
      expect(written.code, written.stderr).toBe(0);
      const core = packed.find((p) => p.name === '@deploydb/core')!;
      // The project installed core from its tarball: the new package depends on the same file.
      expect(written.stdout).toContain(`@deploydb/core: file:${core.tarball}`);
      await installPackage(dir);
      for (const script of ['build', 'typecheck', 'test']) {
        const result = await run('npm', ['run', script], { cwd: dir, env: isolatedEnv(), timeoutMs: 180_000 });
        expect(result.code, `npm run ${script} in the ${kind} package:\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`).toBe(0);
      }
      expect(fs.existsSync(path.join(dir, 'dist', 'index.js'))).toBe(true);
    });
  });
});
