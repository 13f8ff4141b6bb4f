import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import MiniSearch from 'minisearch';
import { z } from 'zod';
import { parseOptions } from '../options.js';
import { splitIntoPassages } from './split-passages.js';
import { STOP_WORDS } from './stop-words.js';

export interface CorpusDocument {
  /** Where the text comes from: a file path or a URL. Hits cite it. */
  source: string;
  text: string;
  /** Short name for ids and titles (`minisearch/README.md`). Default: the source's file name. */
  label?: string;
  /** Default: the first `# heading`, else the label. */
  title?: string;
}

export interface Passage {
  /** `<label>#<n>`, unique in the corpus. */
  id: string;
  source: string;
  title: string;
  text: string;
}

export interface CorpusHit {
  id: string;
  /** The file (or URL) the passage comes from. */
  source: string;
  title: string;
  /** The part of the passage around the first matching term. */
  excerpt: string;
  /** BM25 relevance; only comparable within one search. */
  score: number;
}

export interface CorpusSearchOptions {
  /** Default 5. */
  limit?: number;
}

export interface Corpus {
  readonly documentCount: number;
  readonly passageCount: number;
  search(query: string, options?: CorpusSearchOptions): CorpusHit[];
  /** The whole passage behind a hit. */
  passage(id: string): Passage | undefined;
  /** Every source in the corpus, in the order it was read. */
  sources(): string[];
}

export interface CreateCorpusOptions {
  documents?: CorpusDocument[];
  /** Folders to read recursively (Markdown and text files; `node_modules` and dot-folders skipped). */
  folders?: string[];
  /** Individual files to read. */
  files?: { path: string; label?: string }[];
  /** File extensions read from `folders`. Default `.md`, `.markdown`, `.mdx`, `.txt`. */
  extensions?: string[];
  /** Caps that keep indexing fast; files beyond them are skipped, long files cut. */
  maxFiles?: number;
  maxBytesPerFile?: number;
  maxTotalBytes?: number;
  /** Target passage length. Default 1200 characters. */
  passageChars?: number;
}

const optionsSchema = z.object({
  documents: z
    .array(
      z.object({
        source: z.string().min(1),
        text: z.string(),
        label: z.string().optional(),
        title: z.string().optional(),
      }),
    )
    .optional(),
  folders: z.array(z.string().min(1)).optional(),
  files: z.array(z.object({ path: z.string().min(1), label: z.string().optional() })).optional(),
  extensions: z.array(z.string().regex(/^\.[\w.-]+$/, 'must look like ".md"')).optional(),
  maxFiles: z.number().int().positive().optional(),
  maxBytesPerFile: z.number().int().positive().optional(),
  maxTotalBytes: z.number().int().positive().optional(),
  passageChars: z.number().int().min(200).optional(),
});

const DEFAULT_EXTENSIONS = ['.md', '.markdown', '.mdx', '.txt'];
const EXCERPT_CHARS = 280;

/**
 * Builds a full-text (BM25) index over documents, folders or files, split into citable passages.
 * Reading is async and indexing yields to the event loop between chunks, so a process that also
 * heartbeats over NATS stays responsive while it builds.
 */
export async function createCorpus(options: CreateCorpusOptions = {}): Promise<Corpus> {
  const opts = parseOptions(optionsSchema, options, 'createCorpus');
  const maxFiles = opts.maxFiles ?? 2_000;
  const maxBytesPerFile = opts.maxBytesPerFile ?? 256 * 1024;
  const maxTotalBytes = opts.maxTotalBytes ?? 16 * 1024 * 1024;
  const extensions = new Set((opts.extensions ?? DEFAULT_EXTENSIONS).map((e) => e.toLowerCase()));

  const documents: CorpusDocument[] = [...(opts.documents ?? [])];
  const files: { path: string; label: string }[] = (opts.files ?? []).map((f) => ({
    path: path.resolve(f.path),
    label: f.label ?? path.basename(f.path),
  }));
  for (const folder of opts.folders ?? []) {
    const root = path.resolve(folder);
    for (const file of await listFiles(root, extensions, maxFiles - files.length)) {
      files.push({ path: file, label: path.relative(root, file).split(path.sep).join('/') });
    }
  }

  let totalBytes = documents.reduce((n, d) => n + Buffer.byteLength(d.text), 0);
  for (const file of files.slice(0, maxFiles)) {
    if (totalBytes >= maxTotalBytes) break;
    const text = await readCapped(file.path, Math.min(maxBytesPerFile, maxTotalBytes - totalBytes));
    if (text === undefined) continue;
    totalBytes += Buffer.byteLength(text);
    documents.push({ source: file.path, label: file.label, text });
  }

  const passages: Passage[] = [];
  const byId = new Map<string, Passage>();
  const usedLabels = new Set<string>();
  for (const doc of documents) {
    const label = uniqueLabel(doc.label ?? path.basename(doc.source), usedLabels);
    const drafts = splitIntoPassages(doc.text, {
      documentTitle: doc.title ?? label,
      ...(opts.passageChars === undefined ? {} : { maxChars: opts.passageChars }),
    });
    drafts.forEach((draft, n) => {
      const title = doc.title && drafts.length === 1 ? doc.title : draft.title;
      const passage: Passage = { id: `${label}#${n}`, source: doc.source, title, text: draft.text };
      passages.push(passage);
      byId.set(passage.id, passage);
    });
  }

  const index = new MiniSearch<Passage>({
    fields: ['title', 'text'],
    idField: 'id',
    processTerm: processTerm,
    searchOptions: {
      boost: { title: 2 },
      prefix: (term) => term.length >= 4,
      fuzzy: (term) => (term.length >= 6 ? 0.15 : false),
      combineWith: 'OR',
    },
  });
  await index.addAllAsync(passages, { chunkSize: 500 });

  const sources = [...new Set(documents.map((d) => d.source))];
  return {
    documentCount: documents.length,
    passageCount: passages.length,
    sources: () => [...sources],
    passage: (id) => byId.get(id),
    search(query, searchOptions = {}) {
      const limit = Math.max(1, Math.min(searchOptions.limit ?? 5, 100));
      if (query.trim() === '') return [];
      return index
        .search(query)
        .slice(0, limit)
        .map((result) => {
          const passage = byId.get(String(result.id)) as Passage;
          return {
            id: passage.id,
            source: passage.source,
            title: passage.title,
            excerpt: excerptOf(passage.text, result.terms),
            score: Math.round(result.score * 1000) / 1000,
          };
        });
    },
  };
}

function processTerm(term: string): string | null {
  const t = term.toLowerCase();
  if (t.length < 2 || t.length > 40 || STOP_WORDS.has(t)) return null;
  return t;
}

function uniqueLabel(label: string, used: Set<string>): string {
  let candidate = label;
  for (let n = 2; used.has(candidate); n++) candidate = `${label}~${n}`;
  used.add(candidate);
  return candidate;
}

async function listFiles(root: string, extensions: Set<string>, limit: number): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (out.length >= limit || depth > 12) return;
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (out.length >= limit) return;
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, depth + 1);
      else if (entry.isFile() && extensions.has(path.extname(entry.name).toLowerCase())) out.push(full);
    }
  };
  await walk(root, 0);
  return out;
}

/** The file's text up to `maxBytes` (cut at a line end), or undefined for what is not a readable text file. */
async function readCapped(file: string, maxBytes: number): Promise<string | undefined> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return undefined;
    const buffer = await readFile(file);
    if (buffer.subarray(0, 1024).includes(0)) return undefined;
    if (buffer.length <= maxBytes) return buffer.toString('utf8');
    const text = buffer.subarray(0, maxBytes).toString('utf8');
    const lastLine = text.lastIndexOf('\n');
    return lastLine > maxBytes / 2 ? text.slice(0, lastLine) : text;
  } catch {
    return undefined;
  }
}

function excerptOf(text: string, terms: readonly string[]): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= EXCERPT_CHARS) return flat;
  const lower = flat.toLowerCase();
  let at = -1;
  for (const term of terms) {
    const re = new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(term.toLowerCase())}`, 'u');
    const m = re.exec(lower);
    if (m && (at === -1 || m.index < at)) at = m.index + (m[1] ?? '').length;
  }
  let start = at <= EXCERPT_CHARS / 3 ? 0 : at - Math.floor(EXCERPT_CHARS / 3);
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    start = space === -1 || space > at ? start : space + 1;
  }
  let end = Math.min(flat.length, start + EXCERPT_CHARS);
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > start + EXCERPT_CHARS / 2) end = space;
  }
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
