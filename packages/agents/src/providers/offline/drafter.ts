import type { AnalystOutput, Claim, NumberFact } from '../../roles/analyst.js';
import type { DrafterCitation, DrafterOutput } from '../../roles/drafter.js';
import type { Finding } from '../../roles/researcher.js';
import { readFindings } from './analyst.js';
import { capitalize, countWords, jaccard, keywordSet, keywords, sentences, stem, truncate } from './text.js';

/** What a set of reviewer notes asks for, read from the notes the offline reviewer writes and from free text. */
export interface RevisionDirectives {
  cover: string[];
  remove: string[];
  expand: boolean;
  shorten: boolean;
}

const QUOTED = /"([^"]+)"/;

export function readNotes(notes: readonly string[]): RevisionDirectives {
  const d: RevisionDirectives = { cover: [], remove: [], expand: false, shorten: false };
  for (const note of notes) {
    const quoted = QUOTED.exec(note)?.[1]?.trim();
    if (/\bcover\b|\bmissing\b|\baddress\b|\bnot answered\b/i.test(note) && quoted) d.cover.push(quoted);
    else if (/\bunsupported\b|\bremove\b|\bdelete\b/i.test(note) && quoted)
      d.remove.push(quoted.replace(/…$/, ''));
    if (/\bexpand\b|\btoo short\b|\bmore detail|\belaborate\b|\bat least\b/i.test(note)) d.expand = true;
    if (/\bshorten\b|\btoo long\b|\bconcise\b|\bat most\b/i.test(note)) d.shorten = true;
  }
  if (d.shorten) d.expand = false;
  return d;
}

interface Group {
  question: string;
  findings: Finding[];
}

/** Researcher outputs grouped by sub-question, when the supervisor passed them grouped. */
function readGroups(value: unknown): Group[] {
  if (!Array.isArray(value)) return [];
  const groups: Group[] = [];
  for (const item of value) {
    if (item && typeof item === 'object' && Array.isArray((item as Record<string, unknown>)['findings'])) {
      const q = (item as Record<string, unknown>)['question'];
      groups.push({ question: typeof q === 'string' ? q : '', findings: readFindings(item) });
    }
  }
  return groups;
}

function readAnalysis(value: unknown): Pick<AnalystOutput, 'claims' | 'numbers'> & { summary?: string } {
  const obj = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const claims = Array.isArray(obj['claims'])
    ? (obj['claims'] as unknown[]).filter(
        (c): c is Claim =>
          !!c &&
          typeof c === 'object' &&
          typeof (c as Claim).text === 'string' &&
          Array.isArray((c as Claim).sources),
      )
    : [];
  const numbers = Array.isArray(obj['numbers'])
    ? (obj['numbers'] as unknown[]).filter(
        (n): n is NumberFact =>
          !!n &&
          typeof n === 'object' &&
          typeof (n as NumberFact).label === 'string' &&
          typeof (n as NumberFact).value === 'number',
      )
    : [];
  return { claims, numbers, ...(typeof obj['summary'] === 'string' ? { summary: obj['summary'] } : {}) };
}

export function titleFor(question: string): string {
  return truncate(capitalize(question.trim().replace(/[\s?!.]+$/, '')), 120);
}

/** "text." + [1] → "text [1]." */
function cited(text: string, markers: string): string {
  const t = text.trim();
  const m = /([.!?…]+)$/.exec(t);
  return m ? `${t.slice(0, -m[1]!.length)} ${markers}${m[1] === '…' ? '….' : m[1]}` : `${t} ${markers}.`;
}

function normalise(sentence: string): string {
  return sentence
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Capitalised words after the first: the names a sub-question is about ("NATS", "Kafka"), stemmed. */
function namesIn(text: string): Set<string> {
  const out = new Set<string>();
  text.split(/\s+/).forEach((token, i) => {
    const word = token.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
    if (i > 0 && /^\p{Lu}/u.test(word) && keywords(word).length > 0) out.add(stem(word.toLowerCase()));
  });
  return out;
}

/**
 * Which findings go under which sub-question. A finding goes to the section it fits best: shared terms weighted by
 * how rare they are among the sub-questions, plus the names of the section found in the finding's title or opening
 * words, plus its researcher's sub-question when the input was grouped. A section nothing fits borrows its best match.
 */
function placeFindings(
  subQuestions: readonly string[],
  findings: readonly Finding[],
  groups: readonly Group[],
): Finding[][] {
  const terms = subQuestions.map((q) => keywordSet(q));
  const df = new Map<string, number>();
  for (const set of terms) for (const t of set) df.set(t, (df.get(t) ?? 0) + 1);
  const names = subQuestions.map(namesIn);
  const score = (f: Finding, i: number): number => {
    const text = keywordSet(`${f.summary} ${f.citation.title} ${f.citation.excerpt}`);
    let s = 0;
    for (const t of terms[i] ?? []) if (text.has(t)) s += 1 / (df.get(t) ?? 1);
    const sectionNames = names[i] ?? new Set<string>();
    if (sectionNames.size > 0) {
      const lead = keywordSet(`${f.citation.title} ${f.summary.split(/\s+/).slice(0, 8).join(' ')}`);
      let matched = 0;
      for (const n of sectionNames) if (lead.has(n)) matched += 1;
      s += (2 * matched) / sectionNames.size;
    }
    if (groups.some((g) => g.question === subQuestions[i] && g.findings.some((x) => x.summary === f.summary)))
      s += 3;
    return s;
  };
  const placed: { f: Finding; score: number }[][] = subQuestions.map(() => []);
  const scores = findings.map((f) => subQuestions.map((_, i) => score(f, i)));
  findings.forEach((f, fi) => {
    const row = scores[fi] ?? [];
    let best = -1;
    row.forEach((v, i) => {
      if (v > 0 && (best < 0 || v > (row[best] ?? 0))) best = i;
    });
    if (best >= 0) placed[best]?.push({ f, score: row[best] ?? 0 });
  });
  return placed.map((list, i) => {
    if (list.length > 0) return [...list].sort((a, b) => b.score - a.score).map((x) => x.f);
    let borrow: { f: Finding; score: number } | undefined;
    findings.forEach((f, fi) => {
      const v = scores[fi]?.[i] ?? 0;
      if (v >= 1 && (!borrow || v > borrow.score)) borrow = { f, score: v };
    });
    return borrow ? [borrow.f] : [];
  });
}

function formatNumber(n: NumberFact): string {
  const value = Number.isInteger(n.value) ? n.value.toLocaleString('en-US') : String(n.value);
  if (!n.unit) return value;
  if (n.unit === '%') return `${value}%`;
  if (n.unit === 'USD') return `$${value}`;
  return `${value} ${n.unit}`;
}

const GAP = 'The corpus holds no direct evidence on this question, so it remains open.';
const REUSED = 'The corpus holds no direct evidence on this question beyond the findings above';

export interface DraftInput {
  question: string;
  subQuestions?: unknown;
  analysis?: unknown;
  findings?: unknown;
  revision?: unknown;
}

export function draftReport(input: DraftInput): DrafterOutput {
  const question = input.question;
  const groups = readGroups(input.findings);
  const findings = readFindings(input.findings);
  const analysis = readAnalysis(input.analysis);
  const revision = (input.revision && typeof input.revision === 'object' ? input.revision : {}) as Record<
    string,
    unknown
  >;
  const notes = Array.isArray(revision['notes'])
    ? (revision['notes'] as unknown[]).filter((n): n is string => typeof n === 'string')
    : [];
  const directives = readNotes(notes);

  let subQuestions = Array.isArray(input.subQuestions)
    ? (input.subQuestions as unknown[]).filter((s): s is string => typeof s === 'string' && s.trim() !== '')
    : groups.map((g) => g.question).filter((q) => q !== '');
  for (const c of directives.cover) {
    if (!subQuestions.some((s) => jaccard(keywordSet(s), keywordSet(c)) >= 0.8))
      subQuestions = [...subQuestions, c];
  }

  const citations = new Map<string, DrafterCitation>();
  const titles = new Map(findings.map((f) => [f.citation.source, f.citation.title]));
  const markerFor = (sources: readonly string[]) =>
    [...new Set(sources)]
      .map((source) => {
        let c = citations.get(source);
        if (!c) {
          c = { id: citations.size + 1, source, title: titles.get(source) ?? source };
          citations.set(source, c);
        }
        return `[${c.id}]`;
      })
      .join('');

  const perSection = directives.shorten ? 2 : directives.expand ? 5 : 3;
  const unique = [...new Map(findings.map((f) => [f.summary.trim(), f])).values()];
  const placed = placeFindings(subQuestions, unique, groups);
  const used = new Set<Finding>();
  const emitted = new Set<string>();
  /** A finding's sentences not already in the report, cited; empty when it would only repeat. */
  const sentencesOf = (f: Finding): string => {
    const fresh = sentences(f.summary).filter((x) => !emitted.has(normalise(x)));
    if (fresh.length === 0) return '';
    for (const x of fresh) emitted.add(normalise(x));
    used.add(f);
    const marker = markerFor([f.citation.source]);
    return fresh.map((x) => cited(x, marker)).join(' ');
  };
  const quoted = new Set<string>();
  const paragraphFor = (list: readonly Finding[]): string[] => {
    const out: string[] = [];
    for (const f of list) {
      const text = sentencesOf(f);
      if (!text) continue;
      out.push(text);
      if (
        directives.expand &&
        f.citation.excerpt &&
        f.citation.excerpt !== f.summary &&
        !quoted.has(f.citation.excerpt)
      ) {
        quoted.add(f.citation.excerpt);
        out.push(`> ${truncate(f.citation.excerpt, 400)} ${markerFor([f.citation.source])}`);
      }
      if (out.length >= perSection * (directives.expand ? 2 : 1)) break;
    }
    return out;
  };

  // Body sections first, so citation numbers follow the order of first use in the report.
  const body: string[] = [];
  const gaps: string[] = [];
  if (subQuestions.length > 0) {
    subQuestions.forEach((sub, i) => {
      const list = placed[i] ?? [];
      const paragraphs = paragraphFor(list);
      body.push(`## ${sub}`);
      if (paragraphs.length === 0) {
        gaps.push(sub);
        // Everything relevant was already said under an earlier heading: point there rather than repeat it.
        body.push(list.length > 0 ? `${REUSED} ${markerFor(list.map((f) => f.citation.source))}.` : GAP);
      } else {
        body.push(paragraphs.join('\n\n'));
      }
    });
  } else {
    const paragraphs = paragraphFor(unique.slice(0, perSection * 2));
    body.push('## Findings', paragraphs.length > 0 ? paragraphs.join('\n\n') : GAP);
  }

  // The summary leads with the best-supported claims, one sentence each.
  const summary: string[] = [];
  const ranked = [...analysis.claims]
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.sources.some((s) => titles.has(s)))
    .sort((a, b) => b.c.sources.length - a.c.sources.length || b.c.confidence - a.c.confidence || a.i - b.i)
    .map(({ c }) => c);
  for (const c of ranked) {
    if (summary.length >= (directives.shorten ? 2 : 3)) break;
    const first = sentences(c.text).find((x) => !x.endsWith('…'));
    if (!first || summary.some((x) => x.startsWith(first.slice(0, 40)))) continue;
    summary.push(cited(first, markerFor(c.sources.filter((x) => titles.has(x)))));
  }
  if (summary.length === 0) {
    for (const f of unique.slice(0, 2)) {
      const first = sentences(f.summary)[0];
      if (first) summary.push(cited(first, markerFor([f.citation.source])));
    }
  }
  if (summary.length === 0) summary.push('The corpus contains no evidence that answers this question.');

  const figures: string[] = [];
  for (const n of analysis.numbers) {
    if (figures.length >= (directives.shorten ? 4 : 8)) break;
    const needle = String(n.value);
    const source = findings.find((f) =>
      `${f.summary} ${f.citation.excerpt}`.replace(/,(\d{3})/g, '$1').includes(needle),
    );
    if (source)
      figures.push(`- ${capitalize(n.label)}: ${formatNumber(n)} ${markerFor([source.citation.source])}`);
  }

  const limitations: string[] = [];
  for (const g of gaps) limitations.push(`- No evidence was found for: ${g}`);
  const weak = analysis.claims.filter((c) => c.confidence < 0.5).length;
  if (weak > 0)
    limitations.push(`- ${weak} claim${weak === 1 ? ' is' : 's are'} supported by a single source only.`);
  const unused = findings.filter((f) => !used.has(f)).length;
  if (unused > 0 && directives.shorten)
    limitations.push(`- ${unused} less relevant findings were left out for brevity.`);

  const title = titleFor(question);
  const parts = [`# ${title}`];
  if (notes.length > 0)
    parts.push(`_Revised to address ${notes.length} reviewer note${notes.length === 1 ? '' : 's'}._`);
  parts.push('## Summary', summary.join(' '), ...body);
  if (figures.length > 0) parts.push('## Key figures', figures.join('\n'));
  if (limitations.length > 0) parts.push('## Limitations', limitations.join('\n'));
  const list = [...citations.values()];
  parts.push(
    '## References',
    list.length > 0 ? list.map((c) => `${c.id}. ${c.title} — ${c.source}`).join('\n') : 'No sources.',
  );

  let markdown = parts.join('\n\n');
  for (const sentence of directives.remove) {
    const needle = sentence.trim();
    if (needle.length >= 12) markdown = markdown.split(needle).join('').replace(/ {2,}/g, ' ');
  }
  if (countWords(markdown) === 0) markdown = `# ${title}\n\n${GAP}`;
  return { title, markdown, citations: list };
}
