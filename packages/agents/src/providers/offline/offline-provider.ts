import { systemClock, type Clock } from '@troupe/bus';
import { z } from 'zod';
import {
  FinishReason,
  type ChatRequest,
  type ChatResponse,
  type ModelProvider,
  type ToolCall,
} from '../chat.js';
import { ModelError, ModelErrorCode } from '../model-error.js';
import { parseOptions } from '../options.js';
import { estimateChatTokens, estimateTokens } from '../tokens.js';
import { analyse, readFindings } from './analyst.js';
import { assistantTurn } from './assistant.js';
import { draftReport } from './drafter.js';
import type { CorpusDocument } from './evidence.js';
import { genericTurn } from './generic.js';
import { planQuestion } from './planner.js';
import { readRequest, type OfflineRequest } from './request.js';
import { researcherTurn, type OfflineTurn } from './researcher.js';
import { reviewDraft } from './reviewer.js';
import { shortHash } from './text.js';

const OfflineProviderOptionsSchema = z.object({
  /** Documents the researcher and assistant search themselves when no search tool is offered. */
  corpus: z.array(z.object({ source: z.string().min(1), title: z.string(), text: z.string() })).optional(),
  /** Simulated latency per call, waited on the injected clock (for benchmarks). Default 0. */
  latencyMs: z.number().min(0).default(0),
  clock: z
    .custom<Clock>((v) => !!v && typeof (v as Clock).setTimeout === 'function', 'must be a Clock')
    .optional(),
  /**
   * Answers by role name, ahead of the built-in behaviour: each gets the step input and returns the output
   * (a role's `offline` function; `runAgent` passes those of the roles it serves).
   */
  roles: z
    .record(
      z.string(),
      z.custom<OfflineAnswer>((v) => typeof v === 'function', 'must be a function of the step input'),
    )
    .optional(),
});
/** What the offline model answers for one role, from the step input. */
export type OfflineAnswer = (input: Record<string, unknown>) => unknown;
export type OfflineProviderOptions = z.input<typeof OfflineProviderOptionsSchema>;

function respond(
  req: OfflineRequest,
  corpus: readonly CorpusDocument[] | undefined,
  answers: Readonly<Record<string, OfflineAnswer>> | undefined,
): OfflineTurn {
  const own = answers && Object.hasOwn(answers, req.role) ? answers[req.role] : undefined;
  if (own) return { kind: 'answer', value: own(req.input) };
  switch (req.role) {
    case 'planner':
      return { kind: 'answer', value: planQuestion(req.question) };
    case 'researcher':
      return researcherTurn(req, corpus);
    case 'analyst':
      return { kind: 'answer', value: analyse(req.question, readFindings(req.input['findings'])) };
    case 'drafter':
      return { kind: 'answer', value: draftReport({ ...req.input, question: req.question }) };
    case 'reviewer':
      return {
        kind: 'answer',
        value: reviewDraft({ ...req.input, question: req.question, draft: req.input['draft'] }),
      };
    case 'assistant':
      return assistantTurn(req, corpus);
    default:
      return genericTurn(req);
  }
}

function wait(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(new ModelError(ModelErrorCode.Aborted, 'offline call aborted', { provider: 'offline' }));
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Pieces of about `size` characters, cut after whitespace or punctuation where possible. */
function chunks(text: string, size = 48): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(text.length, i + size);
    if (end < text.length) {
      const cut = text.slice(i, end).search(/[\s,}\]][^\s,}\]]*$/);
      if (cut > 0) end = i + cut + 1;
    }
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

/**
 * A deterministic model that needs no network. It reads the role from `responseSchema.name`, the step input from
 * the JSON block of the last user message, and the tool results so far, and does the role's work with plain
 * text processing: plans, searches through the `search_corpus` tool, analyses, drafts, reviews, answers.
 * A role of one's own answers with its `roles` entry, else with the role's output schema filled generically.
 * The same request always gets the same response.
 */
export function createOfflineProvider(options: OfflineProviderOptions = {}): ModelProvider {
  const opts = parseOptions(OfflineProviderOptionsSchema, options, 'createOfflineProvider');
  const clock = opts.clock ?? systemClock;
  return {
    name: 'offline',
    async chat(req: ChatRequest): Promise<ChatResponse> {
      if (req.signal?.aborted)
        throw new ModelError(ModelErrorCode.Aborted, 'offline call aborted', { provider: 'offline' });
      if (opts.latencyMs > 0) await wait(clock, opts.latencyMs, req.signal);
      const parsed = readRequest(req);
      const turn = respond(parsed, opts.corpus, opts.roles);
      let content = '';
      let toolCalls: ToolCall[] = [];
      if (turn.kind === 'tools') {
        toolCalls = turn.calls.map((c, i) => ({
          id: `call_offline_${parsed.turn}_${i}_${shortHash(`${c.name}${JSON.stringify(c.arguments)}`)}`,
          ...c,
        }));
      } else {
        content = JSON.stringify(turn.value);
        if (req.onDelta) for (const piece of chunks(content)) req.onDelta(piece);
      }
      return {
        content,
        toolCalls,
        usage: {
          inputTokens: estimateChatTokens(req.messages, req.tools),
          outputTokens: estimateTokens(content || JSON.stringify(toolCalls)),
        },
        model: req.model || 'offline-1',
        provider: 'offline',
        finishReason: toolCalls.length > 0 ? FinishReason.ToolCalls : FinishReason.Stop,
      };
    },
  };
}

export type { CorpusDocument };
