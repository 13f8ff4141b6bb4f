import { fileURLToPath, URL } from 'node:url';

/** Where `vite build` writes the dashboard: the API serves this folder at `/ui/`. */
export const dashboardAssetsDir = fileURLToPath(new URL('../dist', import.meta.url));
