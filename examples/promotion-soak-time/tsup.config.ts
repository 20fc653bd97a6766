import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  // @deploydb/core stays external: the plugin must use the host's copy, never bundle its own.
  skipNodeModulesBundle: true,
});
