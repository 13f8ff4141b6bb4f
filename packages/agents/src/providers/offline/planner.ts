import type { PlannerOutput } from '../../roles/planner.js';
import { AUX_WORDS, WH_WORDS, asQuestion, isStopword, keywords } from './text.js';

const CONJUNCTIONS = new Set(['and', 'or', 'vs', 'vs.', 'versus']);
/** Words that end a noun phrase besides stopwords: common verbs and comparatives. */
const PHRASE_BOUNDARY = new Set(
  `compare compares compared comparing differ differs differ affect affects affected influence influences improve
improves reduce reduces increase increases cause causes caused change changes changed help helps lead leads make
makes use uses used mean means require requires stack perform performs better worse faster slower cheaper safer
handle handles handled support supports supported manage manages managed provide provides provided deal deals
best worst preferable suitable`.split(/\s+/),
);
const COMPARATIVE_START =
  /^(?:compare|compares|compared|differ|differs|stack|better|worse|faster|slower|cheaper|safer|preferable|more|less)\b/i;
const ASPECTS = [
  'trade-offs',
  'tradeoffs',
  'benefits',
  'advantages',
  'disadvantages',
  'drawbacks',
  'pros and cons',
  'risks',
  'costs',
  'strengths',
  'weaknesses',
  'limitations',
  'performance',
  'security',
  'reliability',
  'scalability',
  'latency',
  'throughput',
];
const PREPOSITIONS = new Set([
  'for',
  'in',
  'on',
  'with',
  'at',
  'under',
  'during',
  'across',
  'within',
  'when',
  'regarding',
]);
const CLAUSE_SPLIT =
  /\s*,?\s+(?:and|but|also|plus|as well as)\s+(?=(?:how|what|why|which|when|where|who|whether|is|are|was|were|do|does|did|can|could|should|would|will|has|have)\b)|,\s+(?=(?:how|what|why|which|when|where|who|whether)\b)/i;

const MAX_SUBQUESTIONS = 5;

function bare(token: string): string {
  return token.replace(/^[("'[]+|[)"'\]?!.,;:]+$/g, '');
}

function isBoundary(token: string): boolean {
  const w = bare(token).toLowerCase();
  return w === '' || isStopword(w) || WH_WORDS.has(w) || AUX_WORDS.has(w) || PHRASE_BOUNDARY.has(w);
}

/** Noun-phrase-like runs of content words, in order. Capitalised runs (names) first when `namesFirst`. */
export function nounPhrases(text: string): string[] {
  const runs: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length > 0) runs.push(current.join(' '));
    current = [];
  };
  for (const token of text.split(/\s+/)) {
    if (isBoundary(token)) {
      flush();
      continue;
    }
    current.push(bare(token));
    if (/[,;:?!.]$/.test(token)) flush();
  }
  flush();
  return runs.filter((r) => keywords(r).length > 0);
}

function splitClauses(question: string): string[] {
  const parts = question
    .split(/(?<=[?!.;])\s+/)
    .flatMap((s) => s.split(CLAUSE_SPLIT))
    .map((c) => c.trim().replace(/[\s,;:.?!]+$/, ''))
    .filter((c) => c.length > 0);
  // A one-word tail ("... and why?") belongs to the clause before it.
  const merged: string[] = [];
  for (const c of parts) {
    if (c.split(/\s+/).length < 2 && merged.length > 0) merged[merged.length - 1] += ` and ${c}`;
    else merged.push(c);
  }
  return merged;
}

/** Replace pronouns in later clauses by the topic of the first one ("What is X and how does it scale?"). */
function resolvePronouns(clauses: string[]): string[] {
  const first = clauses[0];
  if (!first || clauses.length < 2) return clauses;
  const phrases = nounPhrases(first);
  const topic = phrases.find((p) => /\p{Lu}/u.test(p)) ?? phrases[0];
  if (!topic) return clauses;
  return clauses.map((c, i) =>
    i === 0 || c.toLowerCase().includes(topic.toLowerCase())
      ? c
      : c.replace(/\b(?:its|their)\b/gi, `${topic}'s`).replace(/\b(?:it|they|them)\b/gi, topic),
  );
}

interface Enumeration {
  items: string[];
  prefix: string[];
  suffix: string[];
}

/** "X, Y and Z" inside one clause: the items and the words around them. */
function findEnumeration(clause: string): Enumeration | undefined {
  const tokens = clause.split(/\s+/);
  for (let k = 1; k < tokens.length - 1; k++) {
    if (!CONJUNCTIONS.has((tokens[k] as string).toLowerCase())) continue;
    let end = k + 1;
    const right: string[] = [];
    while (end < tokens.length && right.length < 4 && !isBoundary(tokens[end] as string)) {
      right.push(bare(tokens[end] as string));
      end += 1;
      if (/[,;:?!.]$/.test(tokens[end - 1] as string)) break;
    }
    if (right.length === 0) continue;
    const items: string[][] = [right];
    let item: string[] = [];
    let start = k - 1;
    for (; start >= 0; start--) {
      const token = tokens[start] as string;
      const endsItem = /,$/.test(token) && item.length > 0;
      if (endsItem) {
        items.unshift(item);
        item = [];
      }
      // List items are about as long as each other: the last one bounds the length of the others.
      if (isBoundary(token) || item.length >= Math.min(4, right.length + 1)) break;
      item.unshift(bare(token));
    }
    if (item.length > 0) items.unshift(item);
    const named = items.map((i) => i.join(' ')).filter((i) => keywords(i).length > 0);
    if (named.length < 2) continue;
    return { items: named, prefix: tokens.slice(0, start + 1), suffix: tokens.slice(end) };
  }
  return undefined;
}

function fromEnumeration(question: string, e: Enumeration): string[] {
  const suffix = e.suffix.join(' ');
  const prefix = e.prefix.join(' ');
  const comparative =
    COMPARATIVE_START.test(suffix) || /\bbetween$/i.test(prefix) || /^(?:compare|contrast)\b/i.test(prefix);
  const items = e.items.slice(0, MAX_SUBQUESTIONS - 1);
  if (!comparative) return items.map((item) => asQuestion([...e.prefix, item, ...e.suffix].join(' ')));
  const prepIndex = e.suffix.findIndex((t) => PREPOSITIONS.has(t.toLowerCase()));
  const context = prepIndex >= 0 ? ` ${e.suffix.slice(prepIndex).join(' ')}` : '';
  const lower = question.toLowerCase();
  const aspect = ASPECTS.find((a) => lower.includes(a)) ?? 'key characteristics';
  const listed = `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
  const startsAsQuestion =
    WH_WORDS.has(bare(e.prefix[0] ?? '').toLowerCase()) ||
    AUX_WORDS.has(bare(e.prefix[0] ?? '').toLowerCase());
  return [
    ...items.map((item) => asQuestion(`What are the ${aspect} of ${item}${context}`)),
    startsAsQuestion ? asQuestion(question) : asQuestion(`How do ${listed} compare${context}`),
  ];
}

/** Runs of capitalised words after the first word: names such as "Roman Empire" or "NATS JetStream". */
function names(text: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  text.split(/\s+/).forEach((token, i) => {
    const word = bare(token);
    if (i > 0 && /^\p{Lu}/u.test(word) && !isBoundary(word)) current.push(word);
    else if (current.length > 0) {
      out.push(current.join(' '));
      current = [];
    }
    if (/[,;:?!.]$/.test(token) && current.length > 0) {
      out.push(current.join(' '));
      current = [];
    }
  });
  if (current.length > 0) out.push(current.join(' '));
  return out;
}

const RELATION =
  /\b(?:affect|affects|influence|influences|impact|impacts|relate|relates|change|changes|improve|improves|reduce|reduces|increase|increases|cause|causes)\b/i;

function corePhrase(question: string): string | undefined {
  const name = names(question)[0];
  if (name) return name;
  const phrases = nounPhrases(question);
  if (phrases.length >= 2 && RELATION.test(question)) return `${phrases[0]} and ${phrases[1]}`;
  let best: string | undefined;
  for (const p of phrases) if (!best || p.split(' ').length > best.split(' ').length) best = p;
  return best;
}

const IMPERATIVE =
  /^(?:summari[sz]e|describe|explain|outline|discuss|analy[sz]e|review|assess|evaluate|investigate|research|report on|tell me about|give an overview of|list)\s+/i;

/** "Summarise the state of X" → "What is known about the state of X?" */
function asResearchQuestion(text: string): string {
  const m = IMPERATIVE.exec(text);
  return asQuestion(m ? `What is known about ${text.slice(m[0].length)}` : text);
}

function facets(question: string): string[] {
  const core = corePhrase(question.replace(IMPERATIVE, ''));
  if (!core) return [asResearchQuestion(question)];
  return [
    asResearchQuestion(question),
    asQuestion(`What quantitative evidence is there on ${core}`),
    asQuestion(`What limitations or counter-evidence exist regarding ${core}`),
  ];
}

/** Split a question into 2 to 5 sub-questions: by clause, then by enumeration, then by facets of its key phrase. */
export function planQuestion(question: string): PlannerOutput {
  const q = question.replace(/\s+/g, ' ').trim();
  let subQuestions = resolvePronouns(splitClauses(q)).map(asResearchQuestion);
  if (subQuestions.length < 2) {
    const enumeration = findEnumeration(q.replace(/[?!.]+$/, ''));
    subQuestions = enumeration ? fromEnumeration(q, enumeration) : facets(q);
  }
  const seen = new Set<string>();
  subQuestions = subQuestions.filter((s) => {
    const key = s.toLowerCase();
    if (seen.has(key) || keywords(s).length === 0) return false;
    seen.add(key);
    return true;
  });
  if (subQuestions.length < 2) {
    for (const extra of facets(q)) {
      if (!seen.has(extra.toLowerCase())) subQuestions.push(extra);
      if (subQuestions.length >= 2) break;
    }
  }
  if (subQuestions.length === 0) subQuestions = [asQuestion(q || 'What is the question')];
  subQuestions = subQuestions.slice(0, MAX_SUBQUESTIONS);
  return {
    subQuestions,
    approach:
      `Research each of the ${subQuestions.length} sub-questions in the corpus separately, ` +
      'then weigh the evidence across them, draft a cited report that answers the original question, and review it.',
  };
}
