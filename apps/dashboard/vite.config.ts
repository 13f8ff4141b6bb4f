import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, loadEnv } from 'vite';
import { precompress } from './precompress.js';

/**
 * Built to `dist/` and served by the API at `/ui/` (apps/api/src/routes/ui-routes.ts): hashed file names
 * under `assets/`, no CDN, no inline script (the API's Content-Security-Policy allows none). Workspace
 * packages resolve to their TypeScript sources (`@troupe/source`), so no package build comes first.
 * `pnpm --filter @troupe/dashboard dev` serves it with hot reload and sends `/v1` to TROUPE_API_URL.
 */
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, '.', 'TROUPE_');
  return {
    base: '/ui/',
    plugins: [react(), precompress()],
    resolve: { conditions: ['@troupe/source', ...defaultClientConditions] },
    build: {
      outDir: 'dist',
      emptyOutDir: true,
      assetsDir: 'assets',
      sourcemap: false,
      target: 'es2022',
      modulePreload: { polyfill: false },
      reportCompressedSize: true,
      // One bundle holds the shell and the task page (react-dom and zod are most of it); the charts load on use.
      chunkSizeWarningLimit: 800,
    },
    server: {
      proxy: { '/v1': { target: env['TROUPE_API_URL'] ?? 'http://127.0.0.1:3000' } },
    },
  };
});
