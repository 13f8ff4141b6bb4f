import type { Hit } from './request.js';
import { fuzzyOverlap, keywordSet, keywords, overlap, sentences, stripMarkdown, truncate } from './text.js';

export interface CorpusDocument {
  source: string;
  title: string;
  text: string;
}

/** Code rather than prose: braces, arrows, semicolons, or a high share of symbols. */
export function looksLikeCode(text: string): boolean {
  if (/[{};]|=>|\bconst\s|\bimport\s.*\bfrom\b|\(\)/.test(text)) return true;
  const symbols = text.replace(/[\p{L}\p{N}\s.,'"?!%-]/gu, '').length;
  return symbols / Math.max(1, text.length) > 0.08;
}

/** The sentence(s) of a passage that best answer a query: extractive, so every word is from the source. */
export function bestSentences(passage: string, query: string, maxChars = 320): string {
  const terms = keywordSet(query);
  const all = sentences(stripMarkdown(passage));
  // Prefer whole prose sentences: excerpts are cut mid-sentence at either end ("…written in Go."), and documentation
  // mixes in code and lead-ins to code ("To access a manager:").
  const whole = all.filter(
    (s) => s.length >= 20 && !s.startsWith('…') && !s.endsWith('…') && !s.endsWith(':') && !looksLikeCode(s),
  );
  const candidates = whole.length > 0 ? whole : all;
  if (candidates.length === 0) return truncate(stripMarkdown(passage), maxChars);
  const scored = candidates.map((s, i) => ({ s, i, score: fuzzyOverlap(terms, keywordSet(s)) }));
  const ranked = [...scored].sort((a, b) => b.score - a.score || a.i - b.i);
  const first = ranked[0] as { s: string; i: number; score: number };
  let text = first.s;
  const second = ranked[1];
  if (second && second.score > 0 && text.length + second.s.length + 1 <= maxChars) {
    text = second.i < first.i ? `${second.s} ${text}` : `${text} ${second.s}`;
  }
  return truncate(text, maxChars);
}

/** Hits ranked by how many query terms they share; duplicates (same source and excerpt) dropped. */
export function rankHits(hits: readonly Hit[], query: string, limit: number): Hit[] {
  const terms = keywordSet(query);
  const seen = new Set<string>();
  const scored: { hit: Hit; score: number; i: number }[] = [];
  hits.forEach((hit, i) => {
    const key = `${hit.source}\u0000${hit.excerpt}`;
    if (seen.has(key)) return;
    seen.add(key);
    scored.push({ hit, score: fuzzyOverlap(terms, keywordSet(`${hit.title} ${hit.excerpt}`)), i });
  });
  // A hit must share at least a third of the query's terms: one shared common word ("workflow") is not evidence.
  // And it must come near the best hit: a passage sharing one word with the question, where others share
  // several, is about something else.
  const best = scored.reduce((max, s) => Math.max(max, s.score), 0);
  const need = Math.max(1, Math.ceil(terms.size / 3), best * 0.6);
  return scored
    .filter((s) => s.score >= need)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, limit)
    .map((s) => s.hit);
}

/** A small term-overlap search over an in-memory corpus, for when no search tool is offered. */
export function searchCorpus(corpus: readonly CorpusDocument[], query: string, limit = 5): Hit[] {
  const terms = keywords(query);
  const results: { hit: Hit; score: number; i: number }[] = [];
  corpus.forEach((doc, i) => {
    const paragraphs = doc.text
      .split(/\n\s*\n/)
      .map(stripMarkdown)
      .filter((p) => p.length > 0);
    let best: { text: string; score: number } | undefined;
    for (const p of paragraphs) {
      const score = overlap(new Set(terms), keywordSet(`${doc.title} ${p}`));
      if (score > 0 && (!best || score > best.score)) best = { text: p, score };
    }
    if (best)
      results.push({
        hit: { source: doc.source, title: doc.title, excerpt: truncate(best.text, 600) },
        score: best.score,
        i,
      });
  });
  return results
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, limit)
    .map((r) => r.hit);
}
