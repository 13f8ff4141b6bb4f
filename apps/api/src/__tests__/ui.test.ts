import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBus } from '@troupe/bus/testing';
import { ProblemSchema } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { createApi } from '../index.js';
import { TEST_KEYS, WORKFLOWS } from './fixtures/troupe.js';

const INDEX =
  '<!doctype html><title>Troupe</title><script type="module" src="/ui/assets/index-4f2a9c.js"></script>';
const SECRET = 'not-for-the-browser-7d1e';
const ASSET = 'console.log("dashboard");';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/** A dashboard build in a temp dir (or none), served by an API with keys, listening on a free port. */
async function serveUi(build: 'built' | 'empty' | 'none') {
  const base = await mkdtemp(join(tmpdir(), 'troupe-ui-'));
  // A file beside the build that the routes must never serve.
  await writeFile(join(base, 'secret.txt'), SECRET);
  const dir = join(base, 'dist');
  await mkdir(dir);
  if (build === 'built') {
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), INDEX);
    await writeFile(join(dir, 'assets', 'index-4f2a9c.js'), ASSET);
    await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  }
  const testBus = await startTestBus();
  const app = createApi({
    bus: testBus.bus,
    workflows: WORKFLOWS,
    keys: TEST_KEYS,
    dashboardDir: build === 'none' ? null : dir,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    dir,
    get: (path: string) => fetch(url + path, { redirect: 'manual' }),
    async [Symbol.asyncDispose]() {
      await app.close();
      await testBus[Symbol.asyncDispose]();
      await rm(base, { recursive: true, force: true });
    },
  };
}

describe('the dashboard at /ui/', () => {
  it('serves index.html uncached and hashed assets cached for a year, without a key, under a strict CSP', async () => {
    await using ui = await serveUi('built');

    const index = await ui.get('/ui/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain(CSP);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await index.text()).toBe(INDEX);

    const asset = await ui.get('/ui/assets/index-4f2a9c.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-security-policy')).toContain(CSP);
    expect(await asset.text()).toBe(ASSET);

    // Files outside assets/ are not content-hashed: revalidated like the page.
    const icon = await ui.get('/ui/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('cache-control')).toBe('no-cache');

    const head = await fetch(`${ui.url}/ui/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('redirects /ui to /ui/, keeping the query', async () => {
    await using ui = await serveUi('built');
    const bare = await ui.get('/ui');
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/ui/');
    const withQuery = await ui.get('/ui?x=1');
    expect(withQuery.status).toBe(301);
    expect(withQuery.headers.get('location')).toBe('/ui/?x=1');
  });

  it('answers a missing file with a problem that is not cached, and serves nothing outside the build', async () => {
    await using ui = await serveUi('built');
    const missing = await ui.get('/ui/assets/index-000000.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.headers.get('cache-control') ?? '').not.toMatch(/max-age=31536000/);
    expect(missing.headers.get('content-security-policy')).toContain(CSP);
    expect(ProblemSchema.parse(await missing.json()).status).toBe(404);

    for (const path of [
      '/ui/../secret.txt',
      '/ui/%2e%2e/secret.txt',
      '/ui/..%2fsecret.txt',
      '/ui/assets/..%2f..%2fsecret.txt',
    ]) {
      const res = await ui.get(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(await res.text(), path).not.toContain(SECRET);
    }
  });

  it('keeps the dashboard out of the OpenAPI document', async () => {
    await using ui = await serveUi('built');
    const doc = (await (await ui.get('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/ui'))).toEqual([]);
  });

  it.each(['empty', 'none'] as const)(
    'answers /ui/ with a 404 problem that says how to build the dashboard when it is not built (%s)',
    async (build) => {
      await using ui = await serveUi(build);
      for (const path of ['/ui/', '/ui/assets/index-4f2a9c.js']) {
        const res = await ui.get(path);
        expect(res.status, path).toBe(404);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.headers.get('content-security-policy')).toContain(CSP);
        const problem = ProblemSchema.parse(await res.json());
        expect(problem.detail).toMatch(/The dashboard is not built/);
        expect(problem.detail).toContain('pnpm --filter @troupe/dashboard build');
      }
      // The redirect does not depend on the build.
      expect((await ui.get('/ui')).status).toBe(301);
    },
  );

  it('shows a dashboard built after the API started', async () => {
    await using ui = await serveUi('empty');
    expect((await ui.get('/ui/')).status).toBe(404);
    await writeFile(join(ui.dir, 'index.html'), INDEX);
    const res = await ui.get('/ui/');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(INDEX);
  });
});
