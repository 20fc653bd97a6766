import { defineConfig } from 'vite';

// Built into dist/ and served by @deploydb/core at / (index.html) and /assets/* (hashed files).
// `npm run dev` serves the sources with hot reload and sends API calls to a DeployDB on :8080.
const api = process.env.DEPLOYDB_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: { proxy: { '/api': api, '/openapi.json': api, '/health': api } },
});
