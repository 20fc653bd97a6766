import fs from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { defineSourcePlugin, isDeployDbError, Type, type Artifact, type HealthCheck } from '@deploydb/core';
import { readArtifactFile } from './artifactFile.js';
import { writeMirrorFile } from './mirrorFile.js';

export { readArtifactFile, type ArtifactFile } from './artifactFile.js';
export { mirrorPathOf, registrationOf, writeMirrorFile } from './mirrorFile.js';

const ConfigSchema = Type.Object(
  {
    dir: Type.String({ minLength: 1, description: 'the folder of artifact files (relative to deploydb.yaml)' }),
    mirror: Type.Boolean({ default: false, description: 'write every registered artifact as <group>/<name>/<version>.yaml in dir' }),
  },
  { additionalProperties: false },
);

const isArtifactFile = (file: string) => /\.ya?ml$/i.test(file) && !path.basename(file).startsWith('.');

/**
 * `@deploydb/source-files`: every `*.yaml` / `*.yml` in `dir` and its subfolders holds one
 * artifact or a list; each is registered once, at start and whenever a file is added or changed.
 * A file that does not parse or fails the schema registers nothing and shows in /health. With
 * `mirror`, every artifact registered by any means is written back as
 * `<group>/<name>/<version>.yaml`, so the folder is a complete record that replays into an empty
 * database.
 */
export default defineSourcePlugin({
  id: 'source-files',
  configSchema: ConfigSchema,
  create({ config, configDir, commands, logger }) {
    const dir = path.resolve(configDir, config.dir);
    /** Files that registered nothing, and why. */
    const broken = new Map<string, string>();
    let watcher: FSWatcher | null = null;
    // One file at a time: a file changed twice in a row is read twice, in order.
    let work: Promise<void> = Promise.resolve();
    const relative = (file: string) => path.relative(dir, file) || file;

    async function load(file: string): Promise<void> {
      const text = await fs.promises.readFile(file, 'utf8').catch(() => null);
      if (text === null) return; // gone before it was read
      const read = readArtifactFile(text);
      if (!read.ok) {
        broken.set(file, read.error);
        logger.warn({ file: relative(file), error: read.error }, 'artifact file skipped');
        return;
      }
      const failures: string[] = [];
      for (const artifact of read.artifacts) {
        try {
          const { created } = await commands.registerArtifact(artifact);
          if (created) logger.info({ file: relative(file), group: artifact.group, name: artifact.name, version: artifact.version }, 'artifact registered');
        } catch (error) {
          const reason = isDeployDbError(error) ? `${error.code}: ${error.message}` : (error as Error).message;
          failures.push(`${artifact.group}:${artifact.name}:${artifact.version} ${reason}`);
        }
      }
      if (failures.length > 0) {
        broken.set(file, `not registered: ${failures.join('; ')}`);
        logger.warn({ file: relative(file), failures }, 'artifacts of a file not registered');
      } else broken.delete(file);
    }
    const enqueue = (file: string) => {
      work = work.then(() => load(file)).catch((error: unknown) => logger.error({ err: error, file: relative(file) }, 'artifact file failed'));
    };

    return {
      async start() {
        await fs.promises.mkdir(dir, { recursive: true });
        const watching = watch(dir, {
          ignored: (file, stats) => (stats?.isFile() ?? false) && !isArtifactFile(file),
        });
        watcher = watching;
        watching.on('add', enqueue).on('change', enqueue).on('unlink', (file) => broken.delete(file));
        watching.on('error', (error) => logger.error({ err: error }, 'watching the folder failed'));
        // The files there at start are registered before the kernel says it started.
        await new Promise<void>((resolve) => watching.once('ready', resolve));
        await work;
      },
      async stop() {
        await watcher?.close();
        watcher = null;
        await work;
      },
      async health(): Promise<HealthCheck> {
        if (broken.size === 0) return { status: 'ok', detail: `watching ${dir}` };
        const listed = [...broken].map(([file, error]) => `${relative(file)}: ${error}`);
        return { status: 'degraded', detail: `${broken.size} file(s) registered nothing: ${listed.join(' | ')}` };
      },
      subscribe: config.mirror
        ? [
            {
              events: ['artifact.created'],
              handle: async (event) => {
                await writeMirrorFile(dir, event.data as Artifact);
              },
            },
          ]
        : [],
    };
  },
});
