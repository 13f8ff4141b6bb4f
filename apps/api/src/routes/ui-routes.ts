import { stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError, ApiErrorCode } from '../problem.js';

export const UI_PREFIX = '/ui/';

/** The page loads only its own files and talks only to this API; nothing may frame it. */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // React and uPlot set element styles; no stylesheet comes from elsewhere.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Vite names every file under `assets/` by its content hash, so a cached copy never goes stale. */
const HASHED_ASSET = /^assets\/[^/]+$/;
const LONG_CACHE = 'public, max-age=31536000, immutable';
const BUILD_COMMAND = 'pnpm --filter @troupe/dashboard build';

export interface UiRouteOptions {
  /** The built dashboard (`vite build` output); null when the API serves none. */
  dashboardDir: string | null;
}

const notBuilt = (dashboardDir: string | null) =>
  new ApiError(
    ApiErrorCode.NotFound,
    dashboardDir === null
      ? 'The dashboard is not built into this API: it was started without a dashboard directory. ' +
          `Build it with "${BUILD_COMMAND}" and start the API with its default dashboardDir.`
      : `The dashboard is not built: ${join(dashboardDir, 'index.html')} does not exist. ` +
          `Build it with "${BUILD_COMMAND}" (or "pnpm build"), then reload.`,
  );

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The dashboard's static files at `/ui/`: public (the page signs in with an API key itself), hidden from the
 * OpenAPI document, every answer under a strict Content-Security-Policy. `index.html` is revalidated on
 * each load so a rebuilt dashboard shows at once; the hashed assets it names are cached for a year.
 */
export function registerUiRoutes(app: FastifyInstance, o: UiRouteOptions): void {
  const { dashboardDir } = o;
  app.register(async (ui) => {
    ui.addHook('onSend', async (_request, reply) => {
      reply.header('content-security-policy', UI_CONTENT_SECURITY_POLICY);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    });
    if (dashboardDir !== null) {
      await ui.register(fastifyStatic, {
        root: dashboardDir,
        serve: false,
        cacheControl: false,
        // The build writes .br and .gz beside each text file.
        preCompressed: true,
        // The directory may be built after the API starts; a missing one is reported per request.
        suppressWarning: true,
        // Only for files found: a 404 must not be cached for a year.
        setHeaders: (reply, path) =>
          reply.header(
            'cache-control',
            HASHED_ASSET.test(relative(dashboardDir, path).split(sep).join('/')) ? LONG_CACHE : 'no-cache',
          ),
      });
    }

    const serve = async (file: string, reply: FastifyReply): Promise<FastifyReply> => {
      if (dashboardDir === null || !(await isFile(join(dashboardDir, 'index.html')))) {
        throw notBuilt(dashboardDir);
      }
      return reply.sendFile(file);
    };
    const route = { config: { auth: 'public' as const }, schema: { hide: true } };

    ui.get('/ui', route, async (request, reply) => {
      const query = request.url.indexOf('?');
      return reply.redirect(UI_PREFIX + (query === -1 ? '' : request.url.slice(query)), 301);
    });
    ui.get(UI_PREFIX, route, async (_request, reply) => serve('index.html', reply));
    ui.get<{ Params: { '*': string } }>(`${UI_PREFIX}*`, route, async (request, reply) =>
      serve(request.params['*'] || 'index.html', reply),
    );
  });
}
