import { z } from 'zod';
import { createCorpus, type Corpus, type CorpusHit } from '../corpus/corpus.js';
import { loadDefaultCorpus } from '../corpus/default-corpus.js';
import { defineTool } from '../define-tool.js';
import { parseOptions } from '../options.js';
import type { Tool } from '../tool.js';

export interface CorpusSearchToolOptions {
  /** Folders of Markdown/text files to search. Default: the default corpus (installed docs, or `TROUPE_CORPUS_DIR`). */
  folders?: string[];
  /** A corpus built beforehand with `createCorpus`; wins over `folders`. */
  corpus?: Corpus | Promise<Corpus>;
}

const optionsSchema = z.object({
  folders: z.array(z.string().min(1)).min(1).optional(),
  corpus: z
    .custom<Corpus | Promise<Corpus>>((v) => typeof v === 'object' && v !== null, 'must be a Corpus')
    .optional(),
});

const input = z.object({
  query: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .describe('Keywords to look for, e.g. "retry backoff jetstream consumer".'),
  limit: z.number().int().min(1).max(20).default(5).describe('How many passages to return (1-20).'),
});

export interface CorpusSearchResult {
  query: string;
  hits: CorpusHit[];
}

/**
 * `search_corpus`: BM25 full-text search over a local document corpus. Each hit cites its passage id and
 * source file. The corpus is built on the first call and kept.
 */
export function createCorpusSearchTool(
  options: CorpusSearchToolOptions = {},
): Tool<z.output<typeof input>, CorpusSearchResult> {
  const opts = parseOptions(optionsSchema, options, 'createCorpusSearchTool');
  let corpus: Promise<Corpus> | undefined =
    opts.corpus === undefined ? undefined : Promise.resolve(opts.corpus);
  const getCorpus = (): Promise<Corpus> => {
    if (!corpus) {
      corpus = opts.folders ? createCorpus({ folders: opts.folders }) : loadDefaultCorpus();
      corpus.catch(() => {
        corpus = undefined;
      });
    }
    return corpus;
  };
  return defineTool({
    name: 'search_corpus',
    description:
      'Full-text search over the local document corpus. Returns the most relevant passages with their id, source file, ' +
      'title and an excerpt; cite the id and source of what you use.',
    input,
    timeoutMs: 15_000,
    run: async ({ query, limit }) => ({ query, hits: (await getCorpus()).search(query, { limit }) }),
  });
}
