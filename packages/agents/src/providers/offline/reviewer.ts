import type { DrafterOutput } from '../../roles/drafter.js';
import { DEFAULT_REVIEW_CRITERIA, type ReviewerOutput, type ReviewScore } from '../../roles/reviewer.js';
import { countWords, coverage, jaccard, keywordSet, keywords, sentences, truncate } from './text.js';

const MIN_WORDS = 150;
const MAX_WORDS = 3000;
const PASS = 0.7;

interface Section {
  heading: string;
  paragraphs: string[];
}

function parseSections(markdown: string): { title: string; sections: Section[] } {
  let title = '';
  const sections: Section[] = [];
  let current: Section | undefined;
  for (const block of markdown.split(/\n\s*\n/)) {
    const text = block.trim();
    if (!text) continue;
    const h1 = /^#\s+(.+)$/.exec(text);
    const h2 = /^#{2,3}\s+(.+)$/.exec(text);
    if (h1 && !title) title = h1[1] ?? '';
    else if (h2) {
      current = { heading: h2[1] ?? '', paragraphs: [] };
      sections.push(current);
    } else {
      if (!current) {
        current = { heading: '', paragraphs: [] };
        sections.push(current);
      }
      current.paragraphs.push(text);
    }
  }
  return { title, sections };
}

const REFERENCES = /^(?:references|sources|bibliography|works cited)$/i;
/** Sections about the report itself rather than the subject: no claims to cite. */
const META =
  /^(?:references|sources|bibliography|works cited|limitations|caveats|methodology|revision notes)$/i;
/** Statements that report missing evidence make no claim, so they need no citation. */
const GAP =
  /\bno (?:direct )?evidence\b|\bremains open\b|\bnot (?:found|covered)\b|\bno sources\b|^_revised/i;
const MARKER = /\[(\d+)\]/g;
const STRONG = /\b(?:always|never|all|every|none|proves?|guarantees?|best|worst|most|only|certainly)\b/i;

function bodyParagraphs(sections: readonly Section[]): string[] {
  return sections.filter((s) => !META.test(s.heading.trim())).flatMap((s) => s.paragraphs);
}

type Check = (ctx: ReviewContext) => { score: number; comment: string; notes: string[] };

interface ReviewContext {
  question: string;
  subQuestions: string[];
  draft: DrafterOutput;
  sections: Section[];
  body: string[];
  words: number;
}

const round = (n: number) => Math.round(Math.max(0, Math.min(1, n)) * 100) / 100;

const checkCitations: Check = ({ draft, sections, body }) => {
  const ids = new Set(draft.citations.map((c) => c.id));
  const claimParagraphs = body.filter((p) => countWords(p) >= 8 && !GAP.test(p) && !/^#/.test(p));
  const uncited = claimParagraphs.filter((p) => !/\[\d+\]/.test(p));
  const dangling = new Set<number>();
  for (const p of body)
    for (const m of p.matchAll(MARKER)) if (!ids.has(Number(m[1]))) dangling.add(Number(m[1]));
  const hasReferences = sections.some((s) => REFERENCES.test(s.heading.trim()));
  const notes: string[] = [];
  for (const p of uncited.slice(0, 3))
    notes.push(`Add a citation to: "${truncate(p.replace(/\s+/g, ' '), 120)}"`);
  if (dangling.size > 0)
    notes.push(
      `Fix citation markers with no matching source: ${[...dangling].map((d) => `[${d}]`).join(', ')}`,
    );
  if (!hasReferences && draft.citations.length > 0)
    notes.push('Add a References section listing every cited source.');
  if (claimParagraphs.length === 0) {
    return {
      score: draft.citations.length > 0 ? 1 : 0.5,
      comment: 'The draft makes no claims that need citations.',
      notes,
    };
  }
  let score = (claimParagraphs.length - uncited.length) / claimParagraphs.length;
  if (dangling.size > 0) score -= 0.3;
  if (!hasReferences) score -= 0.2;
  return {
    score: round(score),
    comment: `${claimParagraphs.length - uncited.length} of ${claimParagraphs.length} paragraphs with claims carry citations; ${draft.citations.length} sources listed.`,
    notes,
  };
};

const checkCoverage: Check = ({ question, subQuestions, sections, draft }) => {
  if (subQuestions.length === 0) {
    const share = coverage(keywordSet(question), keywordSet(draft.markdown));
    return {
      score: round(share >= 0.6 ? 1 : share / 0.6),
      comment: `The draft uses ${Math.round(share * 100)}% of the question's key terms.`,
      notes: share >= 0.6 ? [] : [`Answer the question directly: "${question}"`],
    };
  }
  const missing = subQuestions.filter((sub) => {
    const terms = keywordSet(sub);
    return !sections.some(
      (s) =>
        jaccard(terms, keywordSet(s.heading)) >= 0.5 ||
        (s.heading !== '' && coverage(terms, keywordSet(`${s.heading} ${s.paragraphs.join(' ')}`)) >= 0.75),
    );
  });
  const covered = subQuestions.length - missing.length;
  return {
    score: round(covered / subQuestions.length),
    comment: `${covered} of ${subQuestions.length} sub-questions have a section of their own.`,
    notes: missing.map((m) => `Cover the sub-question: "${m}"`),
  };
};

const checkLength: Check = ({ words }) => {
  if (words < MIN_WORDS) {
    return {
      score: round((words / MIN_WORDS) * PASS),
      comment: `At ${words} words the report is too short to answer the question well.`,
      notes: [`Expand the report: it has ${words} words; aim for at least ${MIN_WORDS}.`],
    };
  }
  if (words > MAX_WORDS) {
    return {
      score: round(Math.max(0.4, MAX_WORDS / words)),
      comment: `At ${words} words the report is longer than a reader needs.`,
      notes: [`Shorten the report: it has ${words} words; aim for at most ${MAX_WORDS}.`],
    };
  }
  return { score: 1, comment: `${words} words: a suitable length.`, notes: [] };
};

const checkSupport: Check = ({ body }) => {
  const checked: string[] = [];
  const unsupported: string[] = [];
  for (const p of body) {
    if (/^#/.test(p) || GAP.test(p)) continue;
    // A block quote is one cited passage: its marker at the end covers every sentence in it.
    const quoteCited = /^>/.test(p) && /\[\d+\]\s*$/.test(p);
    for (const s of quoteCited ? [] : sentences(p)) {
      if (!/\d/.test(s.replace(MARKER, '')) && !STRONG.test(s)) continue;
      checked.push(s);
      if (!/\[\d+\]/.test(s)) unsupported.push(s);
    }
  }
  return {
    score: round(checked.length === 0 ? 1 : 1 - unsupported.length / checked.length),
    comment:
      unsupported.length === 0
        ? 'Every figure and strong statement is attributed to a source.'
        : `${unsupported.length} of ${checked.length} figures or strong statements lack a citation.`,
    notes: unsupported
      .slice(0, 3)
      .map((s) => `Support or remove the unsupported claim: "${truncate(s, 160)}"`),
  };
};

/** Every claim is backed: paragraphs with claims carry citations, and figures and strong statements are cited. */
const checkClaims: Check = (ctx) => {
  const citations = checkCitations(ctx);
  const support = checkSupport(ctx);
  return {
    score: Math.min(citations.score, support.score),
    comment: `${citations.comment} ${support.comment}`,
    notes: [...citations.notes, ...support.notes],
  };
};

/** Figures are the ones the sources state: every sentence with a number carries a citation. */
const checkNumbers: Check = ({ body }) => {
  const withNumbers: string[] = [];
  const uncited: string[] = [];
  for (const p of body) {
    if (/^#/.test(p) || GAP.test(p) || (/^>/.test(p) && /\[\d+\]\s*$/.test(p))) continue;
    for (const s of sentences(p)) {
      if (!/\d/.test(s.replace(MARKER, ''))) continue;
      withNumbers.push(s);
      if (!/\[\d+\]/.test(s)) uncited.push(s);
    }
  }
  if (withNumbers.length === 0) return { score: 1, comment: 'The draft states no figures.', notes: [] };
  return {
    score: round(1 - uncited.length / withNumbers.length),
    comment: `${withNumbers.length - uncited.length} of ${withNumbers.length} statements with figures cite their source.`,
    notes: uncited.slice(0, 3).map((x) => `Cite the source of the figure in: "${truncate(x, 160)}"`),
  };
};

const LONG_SENTENCE_WORDS = 45;

/** A title, a section per part, sentences of readable length, no code or markup left in the prose; and a fitting length. */
const checkStructure: Check = (ctx) => {
  const { draft, sections, body } = ctx;
  const notes: string[] = [];
  let score = 1;
  if (!/^#\s+\S/m.test(draft.markdown)) {
    score -= 0.3;
    notes.push('Start the report with a "# " title.');
  }
  if (sections.filter((x) => x.heading !== '').length < 2) {
    score -= 0.3;
    notes.push('Organise the report in "## " sections: a summary, one per sub-question, and references.');
  }
  const prose = body.filter((p) => !/^[>#-]/.test(p));
  const long = prose.flatMap((p) => sentences(p)).filter((x) => countWords(x) > LONG_SENTENCE_WORDS);
  if (long.length > 0) {
    score -= Math.min(0.3, 0.1 * long.length);
    notes.push(
      `Split long sentences (over ${LONG_SENTENCE_WORDS} words), such as: "${truncate(long[0] ?? '', 100)}"`,
    );
  }
  const length = checkLength(ctx);
  return {
    score: round(Math.min(score, length.score)),
    comment: `${sections.length} sections, ${long.length} overlong sentence${long.length === 1 ? '' : 's'}. ${length.comment}`,
    notes: [...notes, ...length.notes],
  };
};

/** A criterion the offline reviewer has no check for: met when the draft speaks to its key terms. */
function checkGeneric(criterion: string): Check {
  return ({ draft }) => {
    const share = coverage(keywordSet(criterion), keywordSet(draft.markdown));
    const met = share >= 0.5;
    return {
      score: met ? 0.9 : 0.5,
      comment: met
        ? `The draft addresses "${criterion}".`
        : `The draft does not visibly address "${criterion}".`,
      notes: met ? [] : [`Address the criterion: "${criterion}"`],
    };
  };
}

/** Which check a criterion's wording asks for; the report workflow's defaults and the obvious variants map here. */
function checkFor(criterion: string): Check {
  const c = criterion.toLowerCase();
  if (/\bclaims?\b|\bbacked\b/.test(c)) return checkClaims;
  if (/unsupported|support|evidence/.test(c)) return checkSupport;
  if (/number|figure|statistic|quantit/.test(c)) return checkNumbers;
  if (/citation|cite|source|reference/.test(c)) return checkCitations;
  if (/cover|sub-?question|complete|answers?\b|question/.test(c)) return checkCoverage;
  if (/structure|clear|plain|readab|language|style|organi[sz]/.test(c)) return checkStructure;
  if (/length|long|short|concise/.test(c)) return checkLength;
  return checkGeneric(criterion);
}

export interface ReviewInput {
  question: string;
  subQuestions?: unknown;
  draft: unknown;
  criteria?: unknown;
}

export function reviewDraft(input: ReviewInput): ReviewerOutput {
  const raw = (input.draft && typeof input.draft === 'object' ? input.draft : {}) as Partial<DrafterOutput>;
  const draft: DrafterOutput = {
    title: typeof raw.title === 'string' ? raw.title : '',
    markdown: typeof raw.markdown === 'string' ? raw.markdown : '',
    citations: Array.isArray(raw.citations) ? raw.citations.filter((c) => c && typeof c.id === 'number') : [],
  };
  const { sections } = parseSections(draft.markdown);
  const body = bodyParagraphs(sections);
  const ctx: ReviewContext = {
    question: input.question,
    subQuestions: Array.isArray(input.subQuestions)
      ? (input.subQuestions as unknown[]).filter(
          (s): s is string => typeof s === 'string' && keywords(s).length > 0,
        )
      : [],
    draft,
    sections,
    body,
    words: countWords(body.join('\n')),
  };
  const criteria =
    Array.isArray(input.criteria) && input.criteria.some((c) => typeof c === 'string')
      ? (input.criteria as unknown[]).filter((c): c is string => typeof c === 'string')
      : [...DEFAULT_REVIEW_CRITERIA];
  const scores: ReviewScore[] = [];
  const notes: string[] = [];
  for (const criterion of criteria) {
    const result = checkFor(criterion)(ctx);
    scores.push({ criterion, score: result.score, comment: result.comment });
    if (result.score < PASS) notes.push(...result.notes);
  }
  const min = Math.min(...scores.map((s) => s.score));
  const approve = min >= PASS;
  // How sure the verdict is: how far the weakest criterion sits from the pass mark.
  const confidence = approve ? 0.5 + (0.5 * (min - PASS)) / (1 - PASS) : 0.5 + (0.5 * (PASS - min)) / PASS;
  return {
    verdict: approve ? 'approve' : 'revise',
    confidence: round(confidence),
    scores,
    notes: [...new Set(notes)],
  };
}
