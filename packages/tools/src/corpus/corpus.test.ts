import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCorpusSearchTool } from '../builtins/search-corpus.js';
import { createToolRegistry } from '../registry.js';
import { createCorpus } from './corpus.js';
import { CORPUS_DIR_ENV, loadDefaultCorpus } from './default-corpus.js';
import { splitIntoPassages } from './split-passages.js';

const BREAD = `# Baking bread

[![build](https://img.shields.io/badge/build-passing-green.svg)](https://ci.example)

Notes from the kitchen.

## Sourdough starter

A sourdough starter is a culture of wild yeast and lactic acid bacteria. Feed the starter
with equal weights of flour and water every day, and keep it at room temperature.

## Shaping

Shape the loaf with floured hands; use a banneton for the final proof.

\`\`\`
# not a heading: inside a code fence
fold, turn, fold
\`\`\`
`;

const NATS = `Messaging
=========

JetStream persists messages in streams. A work-queue stream deletes each message once a consumer
acknowledges it, so every message is processed by exactly one worker.

Key-value buckets
-----------------

The KV store keeps the latest value per key and supports compare-and-set by revision.
`;

const GARDEN = `# Garden

Tomatoes need sun, water and a stake to climb. Prune side shoots weekly.
`;

describe('splitIntoPassages', () => {
  it('splits by heading, names each passage by its heading path and drops badges', () => {
    const passages = splitIntoPassages(BREAD, { documentTitle: 'bread.md' });
    expect(passages.map((p) => p.title)).toEqual([
      'Baking bread',
      'Baking bread › Sourdough starter',
      'Baking bread › Shaping',
    ]);
    expect(passages[0]?.text).toBe('Notes from the kitchen.');
    expect(passages[2]?.text).toContain('# not a heading: inside a code fence');
  });

  it('understands setext headings and cuts long sections at paragraph boundaries', () => {
    expect(splitIntoPassages(NATS, { documentTitle: 'nats.md' }).map((p) => p.title)).toEqual([
      'Messaging',
      'Messaging › Key-value buckets',
    ]);
    const long = Array.from({ length: 10 }, (_, i) => `Paragraph ${i} ${'word '.repeat(40)}`).join('\n\n');
    const passages = splitIntoPassages(`# Long\n\n${long}`, { documentTitle: 'long', maxChars: 500 });
    expect(passages.length).toBeGreaterThan(3);
    for (const p of passages) expect(p.text.length).toBeLessThanOrEqual(500);
  });
});

describe('createCorpus', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'troupe-corpus-'));
    await mkdir(path.join(dir, 'kitchen'));
    await mkdir(path.join(dir, 'node_modules', 'ignored'), { recursive: true });
    await writeFile(path.join(dir, 'kitchen', 'bread.md'), BREAD);
    await writeFile(path.join(dir, 'nats.md'), NATS);
    await writeFile(path.join(dir, 'garden.txt'), GARDEN);
    await writeFile(path.join(dir, 'image.png'), 'not text');
    await writeFile(path.join(dir, 'node_modules', 'ignored', 'README.md'), '# Sourdough starter everywhere');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the relevant passage in a folder of Markdown files and cites its source', async () => {
    const corpus = await createCorpus({ folders: [dir] });
    expect(corpus.documentCount).toBe(3);
    expect(corpus.sources().sort()).toEqual(
      [path.join(dir, 'garden.txt'), path.join(dir, 'kitchen', 'bread.md'), path.join(dir, 'nats.md')].sort(),
    );
    const [best, ...rest] = corpus.search('how do I feed a sourdough starter?', { limit: 3 });
    expect(best).toMatchObject({
      id: 'kitchen/bread.md#1',
      source: path.join(dir, 'kitchen', 'bread.md'),
      title: 'Baking bread › Sourdough starter',
    });
    expect(best?.excerpt).toContain('sourdough starter is a culture of wild yeast');
    expect(best?.score).toBeGreaterThan(0);
    for (const hit of rest) expect(hit.score).toBeLessThanOrEqual(best?.score ?? 0);
    expect(corpus.passage('kitchen/bread.md#1')?.text).toContain('Feed the starter');

    expect(corpus.search('compare-and-set revision')[0]).toMatchObject({
      id: 'nats.md#1',
      title: 'Messaging › Key-value buckets',
    });
    expect(corpus.search('work queue acknowledges')[0]?.source).toBe(path.join(dir, 'nats.md'));
    expect(corpus.search('tomatoes')[0]?.source).toBe(path.join(dir, 'garden.txt'));
    expect(corpus.search('quantum chromodynamics')).toEqual([]);
    expect(corpus.search('   ')).toEqual([]);
  });

  it('indexes documents handed in directly and keeps ids unique', async () => {
    const corpus = await createCorpus({
      documents: [
        { source: 'https://example.test/a', label: 'doc', text: '# A\n\nAlpha particles are helium nuclei.' },
        { source: 'https://example.test/b', label: 'doc', text: '# B\n\nBeta particles are electrons.' },
      ],
    });
    const hit = corpus.search('electrons')[0];
    expect(hit).toMatchObject({ id: 'doc~2#0', source: 'https://example.test/b', title: 'B' });
  });

  it('respects the file caps', async () => {
    const corpus = await createCorpus({ folders: [dir], maxFiles: 1 });
    expect(corpus.documentCount).toBe(1);
  });

  it('works as the search_corpus tool over named folders', async () => {
    const registry = createToolRegistry([createCorpusSearchTool({ folders: [dir] })]);
    const outcome = await registry.call('search_corpus', { query: 'banneton proof', limit: 2 });
    expect(outcome).toMatchObject({
      ok: true,
      value: {
        query: 'banneton proof',
        hits: [{ id: 'kitchen/bread.md#2', title: 'Baking bread › Shaping' }],
      },
    });
    expect(await registry.call('search_corpus', { query: '' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENTS' },
    });
  });

  it('reads TROUPE_CORPUS_DIR for the default corpus', async () => {
    const corpus = await loadDefaultCorpus({ env: { [CORPUS_DIR_ENV]: dir } });
    expect(corpus.documentCount).toBe(3);
    expect(await loadDefaultCorpus({ env: { [CORPUS_DIR_ENV]: dir } })).toBe(corpus);
  });
});

describe('the default corpus: docs of the installed packages', () => {
  it('indexes the READMEs under node_modules quickly, caches them, and finds real answers', async () => {
    const started = performance.now();
    const corpus = await loadDefaultCorpus({ env: {} });
    const elapsed = performance.now() - started;
    // Budget 1.5 s on a quiet machine; the assertion leaves room for a busy test run.
    expect(elapsed).toBeLessThan(6_000);
    expect(corpus.documentCount).toBeGreaterThan(50);
    expect(await loadDefaultCorpus({ env: {} })).toBe(corpus);

    const minisearch = corpus.search('MiniSearch full-text search fuzzy prefix', { limit: 5 });
    expect(minisearch.some((hit) => hit.source.includes(`${path.sep}minisearch${path.sep}`))).toBe(true);
    const zod = corpus.search('zod schema parse safeParse', { limit: 5 });
    expect(zod.some((hit) => /[\\/]zod[\\/]/.test(hit.source))).toBe(true);
    for (const hit of zod) {
      expect(hit.source).toMatch(/README\.md$|\.md$/i);
      expect(hit.excerpt.length).toBeGreaterThan(0);
    }

    const tool = createCorpusSearchTool();
    const outcome = await createToolRegistry([tool]).call('search_corpus', { query: 'JetStream consumer' });
    expect(
      outcome.ok &&
        (outcome.value as { hits: { source: string }[] }).hits.some((h) => h.source.includes('@nats-io')),
    ).toBe(true);
  });
});
