import type { AnalystOutput, Claim, NumberFact } from '../../roles/analyst.js';
import type { Finding } from '../../roles/researcher.js';
import {
  asSentence,
  capitalize,
  coverage,
  isStopword,
  jaccard,
  keywordSet,
  keywords,
  sentences,
  truncate,
  words,
} from './text.js';

/** Findings from a step input, whatever nesting the supervisor used (flat, or grouped per researcher). */
export function readFindings(value: unknown): Finding[] {
  const out: Finding[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) {
      v.forEach(visit);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const obj = v as Record<string, unknown>;
    if (Array.isArray(obj['findings'])) {
      visit(obj['findings']);
      return;
    }
    const citation = obj['citation'];
    if (typeof obj['summary'] === 'string' && citation && typeof citation === 'object') {
      const c = citation as Record<string, unknown>;
      if (typeof c['source'] !== 'string') return;
      out.push({
        summary: obj['summary'],
        citation: {
          source: c['source'],
          title: typeof c['title'] === 'string' ? c['title'] : c['source'],
          excerpt: typeof c['excerpt'] === 'string' ? c['excerpt'] : '',
        },
      });
    }
  };
  visit(value);
  return out;
}

const MULTIPLIER = 'k|K|thousand|million|billion|trillion';
const UNIT =
  '%|percent|per cent|µs|us|ms|milliseconds?|seconds?|secs?|s|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|' +
  'KB|MB|GB|TB|Kbps|Mbps|Gbps|x|times|msgs/s|messages/s|messages per second|ops/s|req/s|requests/s|' +
  'requests per second|tasks/s|tokens|users|nodes|cores|USD|EUR|dollars|points';
const NUMBER = new RegExp(
  `(?<![\\w.,/])([$€£])?(\\d{1,3}(?:,\\d{3})+|\\d+)(\\.\\d+)?(?![.,]?\\d)(?:\\s?(${MULTIPLIER})(?![\\p{L}\\d]))?(?:\\s?(${UNIT})(?![\\p{L}\\d]))?`,
  'gu',
);
const CURRENCY: Record<string, string> = { $: 'USD', '€': 'EUR', '£': 'GBP' };
/** Words that end a label before its number without adding meaning ("over", "about", "of"). */
const FILLER = new Set(
  'about around over under nearly almost roughly approximately of a an the to at by than more less up only just some is are was were and or but with'.split(
    ' ',
  ),
);

/**
 * The words before a number in its clause, as written: "a JetStream acked publish took a median of 156 µs" →
 * "JetStream acked publish took a median". Earlier figures in the sentence arrive masked as `|`, a clause boundary.
 */
function labelBefore(text: string): string {
  const segments = text.split(/,\s|;|:\s|[()|]|\s[-–—]\s/);
  for (let i = segments.length - 1; i >= 0; i--) {
    const tokens = (segments[i] ?? '')
      .split(/\s+/)
      .map((t) => t.replace(/^[^\p{L}\p{N}$€£]+|[^\p{L}\p{N}%]+$/gu, ''))
      .filter(Boolean);
    const drop = (t: string) => FILLER.has(t.toLowerCase()) || isStopword(t) || /^[$€£]?\d/.test(t);
    while (tokens.length > 0 && drop(tokens[tokens.length - 1] as string)) tokens.pop();
    while (tokens.length > 0 && drop(tokens[0] as string)) tokens.shift();
    const label = tokens.slice(-7).join(' ');
    if (keywords(label).length > 0) return label;
  }
  return '';
}

/** Figures stated in a text: value, unit as written (percent → %), and the words before it as the label. */
export function extractNumbers(text: string): NumberFact[] {
  const out: NumberFact[] = [];
  for (const sentence of sentences(text)) {
    let masked = sentence;
    for (const m of sentence.matchAll(NUMBER)) {
      const [match, currency, int = '', frac = '', multiplier, rawUnit] = m;
      const index = m.index ?? 0;
      const prefix = masked.slice(0, index);
      masked = `${prefix}${'|'.padEnd(match.length, ' ')}${masked.slice(index + match.length)}`;
      if (sentence[index - 1] === '[' || (index === 0 && /^\d+\.\s/.test(sentence))) continue;
      const value = Number(`${int.replace(/,/g, '')}${frac}`);
      if (!Number.isFinite(value)) continue;
      let unit = currency ? CURRENCY[currency] : rawUnit;
      if (unit === 'percent' || unit === 'per cent') unit = '%';
      if (multiplier) unit = unit ? `${multiplier} ${unit}` : multiplier;
      if (!unit && !frac && value >= 1900 && value <= 2100) continue; // a year, not a figure
      let label = labelBefore(prefix);
      if (!label) {
        label = words(sentence.slice(index + match.length))
          .filter((w) => !isStopword(w) && !/^\d/.test(w))
          .slice(0, 4)
          .join(' ');
      }
      if (!label) continue;
      out.push({ label: capitalize(label), value, ...(unit ? { unit } : {}) });
    }
  }
  return out;
}

function confidenceFor(sourceCount: number, text: string): number {
  let c = 0.45 + 0.15 * (sourceCount - 1);
  if (/\b(?:may|might|could|suggests?|possibly|likely|unclear|estimated?)\b/i.test(text)) c -= 0.1;
  return Math.round(Math.min(0.9, Math.max(0.2, c)) * 100) / 100;
}

export function analyse(question: string, findings: readonly Finding[]): AnalystOutput {
  if (findings.length === 0) {
    return {
      summary: `No evidence was found in the corpus for "${question}"; nothing can be concluded from it.`,
      claims: [],
      numbers: [],
    };
  }
  // One candidate claim per finding; findings that say nearly the same thing merge and pool their sources.
  const claims: { text: string; terms: Set<string>; sources: string[] }[] = [];
  for (const f of findings) {
    const text = asSentence(f.summary.trim());
    const terms = keywordSet(text);
    const same = claims.find((c) => jaccard(c.terms, terms) >= 0.5);
    if (same) {
      if (!same.sources.includes(f.citation.source)) same.sources.push(f.citation.source);
    } else {
      claims.push({ text, terms, sources: [f.citation.source] });
    }
  }
  // Another source corroborates a claim when its excerpt holds most of the claim's terms.
  for (const claim of claims) {
    for (const f of findings) {
      if (claim.sources.includes(f.citation.source) || claim.terms.size < 3) continue;
      if (coverage(claim.terms, keywordSet(`${f.summary} ${f.citation.excerpt}`)) >= 0.6)
        claim.sources.push(f.citation.source);
    }
  }
  const ranked: Claim[] = claims
    .map((c, i) => ({
      claim: { text: c.text, sources: c.sources, confidence: confidenceFor(c.sources.length, c.text) },
      i,
    }))
    .sort((a, b) => b.claim.confidence - a.claim.confidence || a.i - b.i)
    .slice(0, 10)
    .map((x) => x.claim);

  const numbers: NumberFact[] = [];
  const seenNumbers = new Set<string>();
  for (const f of findings) {
    for (const n of extractNumbers(`${f.summary}\n${f.citation.excerpt}`)) {
      const key = `${n.label}|${n.value}|${n.unit ?? ''}`;
      if (seenNumbers.has(key) || numbers.length >= 12) continue;
      seenNumbers.add(key);
      numbers.push(n);
    }
  }

  const sources = new Set(findings.map((f) => f.citation.source));
  const top = ranked[0];
  const single = ranked.filter((c) => c.sources.length === 1).length;
  const parts = [
    `${findings.length} finding${findings.length === 1 ? '' : 's'} from ${sources.size} source${sources.size === 1 ? '' : 's'} bear on "${question}", yielding ${ranked.length} distinct claim${ranked.length === 1 ? '' : 's'}.`,
  ];
  if (top)
    parts.push(`The best supported: ${truncate(top.text, 200)} (confidence ${top.confidence.toFixed(2)}).`);
  if (single > 0) parts.push(`${single} claim${single === 1 ? ' rests' : 's rest'} on a single source.`);
  if (numbers.length > 0)
    parts.push(`${numbers.length} quantitative figure${numbers.length === 1 ? ' was' : 's were'} extracted.`);
  return { summary: parts.join(' '), claims: ranked, numbers };
}
