import type { ResearcherOutput } from '../../roles/researcher.js';
import type { ToolCall } from '../chat.js';
import { bestSentences, looksLikeCode, rankHits, searchCorpus, type CorpusDocument } from './evidence.js';
import {
  SEARCH_TOOL_NAMES,
  extractHits,
  findTool,
  toolArguments,
  type Hit,
  type OfflineRequest,
} from './request.js';
import { keywords, truncate } from './text.js';
import { dropInstructions } from './untrusted.js';

export type OfflineTurn =
  { kind: 'answer'; value: unknown } | { kind: 'tools'; calls: Omit<ToolCall, 'id'>[] };

const MAX_FINDINGS = 5;

/** One or two keyword queries: the sub-question's terms, and those terms plus the overall question's context. */
export function searchQueries(subQuestion: string, question: string): string[] {
  const own = keywords(subQuestion).slice(0, 8);
  const queries = [own.join(' ')];
  const context = keywords(question).filter((k) => !own.includes(k));
  if (context.length > 0 && own.length > 0)
    queries.push([...own.slice(0, 4), ...context.slice(0, 3)].join(' '));
  return queries.filter((q) => q.length > 0);
}

/** The overall question of the task (`task.question`), which gives the sub-question (`question`) its context. */
export function taskQuestionOf(req: OfflineRequest): string {
  const task = req.input['task'];
  if (task && typeof task === 'object' && typeof (task as Record<string, unknown>)['question'] === 'string') {
    return (task as Record<string, string>)['question'] as string;
  }
  return req.question;
}

/**
 * Every hit in the results of search tools so far. From results a guardrail flagged, instruction-like sentences are
 * dropped, as a careful model would.
 */
export function searchHits(req: OfflineRequest): Hit[] {
  return req.toolResults
    .filter((r) => !r.isError)
    .flatMap((r) => {
      const hits = extractHits(r.value);
      if (!r.flagged) return hits;
      return hits
        .map((h) => ({ ...h, excerpt: dropInstructions(h.excerpt) }))
        .filter((h) => h.excerpt.length > 0);
    });
}

export function researcherTurn(
  req: OfflineRequest,
  corpus: readonly CorpusDocument[] | undefined,
): OfflineTurn {
  const sub = req.question;
  const overall = taskQuestionOf(req);
  const searchTool = findTool(req.tools, ...SEARCH_TOOL_NAMES);
  const searched = req.calls.some((c) => SEARCH_TOOL_NAMES.includes(c.name));
  if (searchTool && !searched) {
    return {
      kind: 'tools',
      calls: searchQueries(sub, overall).map((q) => ({
        name: searchTool.name,
        arguments: toolArguments(searchTool, q, ['query', 'q', 'text', 'search'], MAX_FINDINGS),
      })),
    };
  }
  let hits = searchHits(req);
  if (!searchTool && corpus && corpus.length > 0)
    hits = searchCorpus(corpus, searchQueries(sub, overall)[0] ?? sub);
  const findings = rankHits(hits, sub, MAX_FINDINGS * 2).map((hit) => ({
    summary: bestSentences(hit.excerpt || hit.title, sub),
    citation: { source: hit.source, title: hit.title, excerpt: truncate(hit.excerpt || hit.title, 400) },
  }));
  // Hits that are all code make poor findings; keep them only when there is nothing else.
  const prose = findings.filter((f) => !looksLikeCode(f.summary));
  const output: ResearcherOutput = {
    question: sub,
    findings: (prose.length > 0 ? prose : findings).slice(0, MAX_FINDINGS),
  };
  return { kind: 'answer', value: output };
}
