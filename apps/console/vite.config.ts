import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** The web console: a static build served by the gateway at /console (apps/gateway/src/console). */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  build: {
    outDir: resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: { proxy: { '/api': 'http://localhost:3000', '/rest': 'http://localhost:3000' } },
});
