/** Small, deterministic text helpers for the offline provider: words, keywords, sentences, overlap. */

const STOPWORDS = new Set(
  `a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few for
from further had hadn't has hasn't have haven't having he her here hers herself him himself his how i if in into is
isn't it it's its itself just let's me more most much must my myself no nor not now of off on once only or other
ought our ours ourselves out over own same shall she should shouldn't so some such than that that's the their
theirs them themselves then there there's these they this those through to too under until up upon us very via was
wasn't we were weren't what what's when where which while who whom whose why will with within without won't would
wouldn't you your yours yourself yourselves vs versus versus etc e.g i.e per may might many whether`.split(
    /\s+/,
  ),
);

export const WH_WORDS = new Set([
  'what',
  'how',
  'why',
  'which',
  'when',
  'where',
  'who',
  'whom',
  'whose',
  'whether',
]);
export const AUX_WORDS = new Set([
  'is',
  'are',
  'was',
  'were',
  'do',
  'does',
  'did',
  'can',
  'could',
  'should',
  'would',
  'will',
  'has',
  'have',
  'had',
]);

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word.toLowerCase());
}

/** Lower-case word tokens (letters, digits, and inner `.+#'-` as in `node.js`, `c++`, `2.9`). */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}](?:[\p{L}\p{N}'+#]|[.-](?=[\p{L}\p{N}]))*/gu)) {
    out.push(m[0]);
  }
  return out;
}

/** A light plural stemmer so `queues` meets `queue` and `policies` meets `policy`. */
export function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && /(?:ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !/(?:ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/** Content words in order of first appearance, stemmed, without stopwords or one-letter words. */
export function keywords(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const w of words(text)) {
    if (isStopword(w) || (w.length < 2 && !/\d/.test(w))) continue;
    const s = stem(w);
    if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  }
  return out;
}

export function keywordSet(text: string): Set<string> {
  return new Set(keywords(text));
}

export function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let n = 0;
  for (const w of a) if (b.has(w)) n += 1;
  return n;
}

/** Whether two stems name the same word family: equal, or sharing a long prefix (`redelivery`, `redelivered`). */
export function sameFamily(a: string, b: string): boolean {
  if (a === b) return true;
  const min = Math.min(a.length, b.length);
  if (min < 5) return false;
  let i = 0;
  while (i < min && a[i] === b[i]) i += 1;
  return i >= Math.max(5, min - 2);
}

/** How many terms of `query` occur in `text`, counting word families as matches. */
export function fuzzyOverlap(query: ReadonlySet<string>, text: ReadonlySet<string>): number {
  let n = 0;
  for (const q of query) {
    if (text.has(q)) n += 1;
    else
      for (const t of text)
        if (sameFamily(q, t)) {
          n += 1;
          break;
        }
  }
  return n;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const inter = overlap(a, b);
  return inter / (a.size + b.size - inter);
}

/** Share of `a` found in `b`. */
export function coverage(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  return a.size === 0 ? 1 : overlap(a, b) / a.size;
}

/** Plain text from Markdown: no headings markers, links, emphasis, code fences or HTML tags. */
export function stripMarkdown(text: string): string {
  return text
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, ' ')
    .replace(/(\*\*|__|\*|_|`)/g, '')
    .replace(/^\s*[-*+>]\s+/gm, '')
    .replace(/^\s*\|?[-:| ]+\|?\s*$/gm, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Sentences, split on `.`, `!`, `?` followed by a capital/digit/quote, and on line breaks. */
export function sentences(text: string): string[] {
  return text
    .split(/\n+|(?<=[.!?])\s+(?=[\p{Lu}\p{N}"'([])/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function countWords(text: string): number {
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/** At most `max` characters, cut at a word boundary, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}

export function capitalize(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

export function asQuestion(text: string): string {
  const t = text
    .trim()
    .replace(/^[,;:\s]+/, '')
    .replace(/[\s,;:.?!]+$/, '');
  return `${capitalize(t)}?`;
}

export function asSentence(text: string): string {
  const t = text.trim();
  if (t.length === 0) return t;
  return /[.!?…]$/.test(t) ? capitalize(t) : `${capitalize(t)}.`;
}

/** A short, stable hexadecimal hash (FNV-1a), for deterministic ids. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
