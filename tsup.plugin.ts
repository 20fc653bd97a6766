import { defineConfig } from 'tsup';

/** The build of every plugin package: one ESM entry with its declarations; dependencies stay external. */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  skipNodeModulesBundle: true,
});
