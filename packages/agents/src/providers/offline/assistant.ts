import type { AssistantOutput } from '../../roles/assistant.js';
import { bestSentences, rankHits, searchCorpus, type CorpusDocument } from './evidence.js';
import { SEARCH_TOOL_NAMES, findTool, toolArguments, type Hit } from './request.js';
import type { OfflineRequest } from './request.js';
import { searchHits, type OfflineTurn } from './researcher.js';
import { keywords } from './text.js';

/** An arithmetic expression in a question ("what is 12 times (3 + 4)?" → "12 * (3 + 4)"), if there is one. */
export function arithmeticExpression(text: string): string | undefined {
  const normalised = text
    .replace(/(?<=\d),(?=\d{3}\b)/g, '')
    .replace(/\btimes\b|\bmultiplied by\b|×/gi, '*')
    .replace(/(?<=\d)\s*x\s*(?=\d)/g, ' * ')
    .replace(/\bplus\b/gi, '+')
    .replace(/\bminus\b/gi, '-')
    .replace(/\bdivided by\b|÷/gi, '/')
    .replace(/\bto the power of\b/gi, '^');
  let best: string | undefined;
  for (const m of normalised.matchAll(/[-(]*\s*\d[\d\s.+\-*/^%()]*[\d)]/g)) {
    const candidate = m[0].trim();
    if (!/\d\s*\)*\s*[-+*/^%]\s*\(*\s*-?\d/.test(candidate)) continue;
    let depth = 0;
    let balanced = true;
    for (const ch of candidate) {
      if (ch === '(') depth += 1;
      if (ch === ')') depth -= 1;
      if (depth < 0) balanced = false;
    }
    if (!balanced || depth !== 0) continue;
    if (!best || candidate.length > best.length) best = candidate.replace(/\s+/g, ' ');
  }
  return best;
}

function resultValue(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of ['result', 'value', 'answer', 'output']) {
      const v = obj[k];
      if (typeof v === 'number' || typeof v === 'string') return String(v);
    }
  }
  return undefined;
}

/**
 * Cited passages in a context text, in the shape the `rag` workflow writes them:
 * `[1] Title (source)`, then the summary, then an optional `> excerpt` line.
 */
export function contextPassages(context: string): Hit[] {
  const hits: Hit[] = [];
  for (const block of context.split(/\n\s*\n(?=\[\d+\]\s)/)) {
    const m = /^\[\d+\]\s+(.+?)\s+\(([^()\n]+)\)\s*\n([\s\S]*)$/.exec(block.trim());
    if (!m) continue;
    const text = (m[3] ?? '').replace(/^>\s?/gm, '').trim();
    hits.push({ title: m[1] ?? '', source: m[2] ?? '', excerpt: text });
  }
  return hits;
}

export function assistantTurn(
  req: OfflineRequest,
  corpus: readonly CorpusDocument[] | undefined,
): OfflineTurn {
  const question = req.question;
  const context = typeof req.input['context'] === 'string' ? req.input['context'] : undefined;
  const calculator = findTool(req.tools, 'calculator', 'calculate', 'calc');
  const searchTool = findTool(req.tools, ...SEARCH_TOOL_NAMES);
  const expression = arithmeticExpression(question);

  if (calculator && expression) {
    const calls = req.calls.filter((c) => c.name === calculator.name).map((c) => c.id);
    if (calls.length === 0) {
      return {
        kind: 'tools',
        calls: [
          {
            name: calculator.name,
            arguments: toolArguments(calculator, expression, ['expression', 'expr', 'input']),
          },
        ],
      };
    }
    const result = req.toolResults.find((r) => calls.includes(r.callId));
    const value = result && !result.isError ? resultValue(result.value) : undefined;
    if (value !== undefined) return answer({ answer: `${expression} = ${value}`, citations: [] });
  }

  const answerFrom = (hits: Hit[]): OfflineTurn | undefined => {
    const top = rankHits(hits, question, 2);
    if (top.length === 0) return undefined;
    const citations = [...new Map(top.map((h) => [h.source, { source: h.source, title: h.title }])).values()];
    return answer({
      answer: top.map((h) => bestSentences(h.excerpt || h.title, question, 280)).join(' '),
      citations,
    });
  };
  // Findings handed over in the context (the rag workflow) come first; they are already cited.
  const fromContext = context ? answerFrom(contextPassages(context)) : undefined;
  if (fromContext) return fromContext;

  if (searchTool && !req.calls.some((c) => c.name === searchTool.name) && keywords(question).length > 0) {
    return {
      kind: 'tools',
      calls: [
        {
          name: searchTool.name,
          arguments: toolArguments(searchTool, keywords(question).slice(0, 8).join(' '), ['query', 'q'], 5),
        },
      ],
    };
  }
  let hits = searchHits(req);
  if (!searchTool && corpus && corpus.length > 0) hits = searchCorpus(corpus, keywords(question).join(' '));
  const top = rankHits(hits, question, 2);
  if (top.length > 0) {
    const citations = [...new Map(top.map((h) => [h.source, { source: h.source, title: h.title }])).values()];
    return answer({
      answer: top.map((h) => bestSentences(h.excerpt || h.title, question, 280)).join(' '),
      citations,
    });
  }
  if (context && context.trim() !== '')
    return answer({ answer: bestSentences(context, question, 400), citations: [] });
  return answer({
    answer: `I could not find information to answer "${question}" in the available sources.`,
    citations: [],
  });
}

function answer(value: AssistantOutput): OfflineTurn {
  return { kind: 'answer', value };
}
