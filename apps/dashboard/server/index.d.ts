/** Where `vite build` writes the dashboard: the API serves this folder at `/ui/`. */
export declare const dashboardAssetsDir: string;
