import { systemClock, type Clock } from '@troupe/bus';
import type { GuardrailTrip, InspectOptions, ToolCallOutcome } from '@troupe/tools';
import type { ChatMessage, ChatRequest, ChatResponse, ToolCall, ToolSpec } from '../providers/chat.js';
import { DEFAULT_CONTEXT_WINDOW, contextWindowFor } from '../providers/context-window.js';
import { ModelErrorCode, toModelError } from '../providers/model-error.js';
import { toModelRef, type ModelRef } from '../providers/model-ref.js';
import type { ModelFallback, ModelTier, RoutedChatResponse } from '../providers/model-router.js';
import { costUsd, type PriceTable } from '../providers/prices.js';
import type { Role } from '../roles/role.js';
import { AgentError, AgentErrorCode } from './agent-error.js';
import {
  CLOSING_INSTRUCTION,
  fitToWindow,
  renderParts,
  systemPrompt,
  userParts,
  type ContextPart,
} from './context.js';
import { digest } from './digest.js';
import { describeIssues, parseJsonOutput } from './json-output.js';
import type {
  StepAuditRecord,
  StepEvent,
  StepGuardrails,
  StepModel,
  StepResult,
  ToolInvoker,
} from './types.js';

export interface ExecuteStepOptions<TOutput> {
  role: Role<TOutput>;
  /** The step input the supervisor sent (validated against `role.input` when the role has one). */
  input: unknown;
  /** A router (fallback chain, cheap tier) or one provider and model. */
  model: StepModel;
  /** The tools; the role's `tools` list decides which of them the model sees and may call. */
  tools?: ToolInvoker;
  guardrails?: StepGuardrails;
  clock?: Clock;
  signal?: AbortSignal;
  /** Model calls that may ask for tools before the step fails with ROUND_LIMIT. Default 6. */
  maxRounds?: number;
  /** Tokens of the model's context window. Default: what the model is known to have. */
  contextWindow?: number;
  /** Room kept for the answer, and the answer's token limit. Default 4096. */
  maxOutputTokens?: number;
  temperature?: number;
  /** Per tool-call timeout, overriding each tool's own. */
  toolTimeoutMs?: number;
  /** `cheap` asks the router for its second model (budget pressure). */
  tier?: ModelTier;
  /** Outputs of earlier steps that are not already part of `input`, by step id. */
  upstream?: Readonly<Record<string, unknown>>;
  /** Reviewer notes that are not already part of `input`. */
  notes?: readonly string[];
  prices?: PriceTable;
  /** Stream model output as `model.delta` events. Default: on when `onEvent` is given. */
  stream?: boolean;
  onEvent?: (event: StepEvent) => void;
  onAudit?: (record: StepAuditRecord) => void;
  /** Put prompt and answer text in audit records (otherwise only their sha256 digests). Default false. */
  captureContent?: boolean;
  taskId: string;
  stepId: string;
}

const DEFAULT_MAX_ROUNDS = 6;
const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

function isRouter(model: StepModel): model is Extract<StepModel, { chain: unknown }> {
  return 'chain' in model && typeof (model as { chat?: unknown }).chat === 'function';
}

function priced(provider: string, model: string, usage: ChatResponse['usage'], prices?: PriceTable): number {
  try {
    return costUsd(toModelRef({ provider: provider as never, model }), usage, prices);
  } catch {
    return 0; // a custom provider the price table cannot name
  }
}

function stringifyToolValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}

/**
 * Run one step of a role: assemble and trim the context, call the model, run the tools it asks for, loop until a
 * final answer, validate it against the role's schema (one repair round), and apply the output guardrails.
 * Throws an `AgentError` with a closed code when the step cannot produce a valid output.
 */
export async function executeStep<TOutput>(
  options: ExecuteStepOptions<TOutput>,
): Promise<StepResult<TOutput>> {
  const { role, taskId, stepId, signal, guardrails } = options;
  const clock = options.clock ?? systemClock;
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  const maxOutputTokens = options.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  if (!Number.isInteger(maxRounds) || maxRounds < 1) {
    throw new AgentError(
      AgentErrorCode.InvalidOptions,
      `executeStep: option "maxRounds" must be an integer ≥ 1, got ${maxRounds}`,
      { retryable: false },
    );
  }
  const started = clock.now();
  const emit = (event: StepEvent) => options.onEvent?.(event);
  const audit = (record: StepAuditRecord) => options.onAudit?.(record);
  const base = () => ({ taskId, stepId, role: role.name, at: clock.now() });
  const checkAbort = () => {
    if (signal?.aborted)
      throw new AgentError(AgentErrorCode.Aborted, `step ${stepId} aborted`, {
        cause: signal.reason,
        retryable: false,
      });
  };
  checkAbort();

  if (role.input) {
    const parsed = role.input.safeParse(options.input);
    if (!parsed.success) {
      throw new AgentError(
        AgentErrorCode.InvalidInput,
        `step ${stepId}: input does not match role "${role.name}":\n${describeIssues(parsed.error.issues)}`,
        { cause: parsed.error, retryable: false },
      );
    }
  }

  // Guardrails: every trip is reported once, as a progress event and an audit record.
  const reported = new Set<string>();
  const report = (source: GuardrailTrip['source'], name: string | undefined, trips: GuardrailTrip[]) => {
    const fresh = trips.filter((t) => {
      const key = `${t.source}|${t.name ?? ''}|${t.kind}|${t.detail}`;
      if (reported.has(key)) return false;
      reported.add(key);
      return true;
    });
    if (fresh.length === 0) return;
    emit({ type: 'guardrail.trip', source, ...(name ? { name } : {}), trips: fresh });
    audit({ ...base(), kind: 'guardrail.trip', source, ...(name ? { name } : {}), trips: fresh });
  };
  const inspected = new Map<string, string>();
  const inspect = (text: string, opts: InspectOptions): string => {
    if (!guardrails) return text;
    const key = `${opts.source}|${opts.name ?? ''}|${text}`;
    const cached = inspected.get(key);
    if (cached !== undefined) return cached;
    const result = guardrails.inspectText(text, opts);
    report(opts.source, opts.name, result.trips);
    inspected.set(key, result.text);
    return result.text;
  };

  const allowed = new Set(role.tools);
  const toolSpecs: ToolSpec[] = (options.tools?.specs() ?? []).filter((s) => allowed.has(s.name));
  const system = systemPrompt(
    role,
    toolSpecs.map((t) => t.name),
  );
  const parts: ContextPart[] = userParts({
    input: options.input,
    upstream: options.upstream,
    notes: options.notes,
  });
  const renderUser = (p: readonly ContextPart[], trimmed: boolean) =>
    `${inspect(renderParts(p, trimmed), { source: 'task-input', name: stepId })}\n\n${CLOSING_INSTRUCTION}`;

  // One way to call the model, whichever kind was given: a router (fallbacks, tiers) or a provider and model.
  const model = options.model;
  const target: { provider: string; model: string } = isRouter(model)
    ? ((options.tier === 'cheap' ? model.chain[1] : undefined) ?? model.primary)
    : { provider: model.provider.name, model: model.model };
  const invoke = async (req: Omit<ChatRequest, 'model'>): Promise<RoutedChatResponse> => {
    if (isRouter(model)) return model.chat(req, options.tier ? { tier: options.tier } : {});
    const res = await model.provider.chat({ ...req, model: model.model });
    return { ...res, ref: { provider: model.provider.name as ModelRef['provider'], model: model.model } };
  };
  let contextWindow = options.contextWindow;
  if (contextWindow === undefined) {
    try {
      contextWindow = contextWindowFor(
        isRouter(model) ? model.primary : `${model.provider.name}:${model.model}`,
      );
    } catch {
      contextWindow = DEFAULT_CONTEXT_WINDOW; // a custom provider the table cannot name
    }
  }
  const budget = Math.max(1024, contextWindow - maxOutputTokens);

  let rounds = 0;
  let toolCallCount = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let totalCost = 0;
  let fallback: ModelFallback | undefined;
  let last: { provider: string; model: string } = { provider: '', model: '' };

  const callModel = async (messages: ChatMessage[]): Promise<ChatResponse> => {
    checkAbort();
    rounds += 1;
    const round = rounds;
    const req: Omit<ChatRequest, 'model'> = {
      messages,
      ...(toolSpecs.length > 0 ? { tools: toolSpecs } : {}),
      maxOutputTokens,
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      responseSchema: { name: role.name, schema: role.outputJsonSchema },
      ...(signal ? { signal } : {}),
      ...((options.stream ?? Boolean(options.onEvent))
        ? { onDelta: (text: string) => emit({ type: 'model.delta', round, text }) }
        : {}),
    };
    const planned = target;
    emit({ type: 'model.call', round, provider: planned.provider, model: planned.model });
    const t0 = clock.now();
    const promptDigest = digest(messages);
    let res: RoutedChatResponse;
    try {
      res = await invoke(req);
    } catch (err) {
      const error = toModelError(err, { provider: planned.provider, model: planned.model, signal });
      audit({
        ...base(),
        kind: 'model.call',
        round,
        provider: planned.provider,
        model: planned.model,
        promptDigest,
        ...(options.captureContent ? { prompt: messages } : {}),
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        durationMs: clock.now() - t0,
        error: { code: error.code, message: error.message },
      });
      if (error.code === ModelErrorCode.Aborted || signal?.aborted) {
        throw new AgentError(AgentErrorCode.Aborted, `step ${stepId} aborted during a model call`, {
          cause: error,
          retryable: false,
        });
      }
      throw new AgentError(
        AgentErrorCode.ModelFailed,
        `step ${stepId}: model call failed: ${error.message}`,
        {
          cause: error,
          retryable: error.retryable,
          details: { code: error.code },
        },
      );
    }
    const answeredBy = res.ref;
    const cost = priced(answeredBy.provider, answeredBy.model, res.usage, options.prices);
    inputTokens += res.usage.inputTokens;
    outputTokens += res.usage.outputTokens;
    totalCost += cost;
    last = { provider: answeredBy.provider, model: res.model || answeredBy.model };
    if (res.fallback) fallback ??= res.fallback;
    audit({
      ...base(),
      kind: 'model.call',
      round,
      provider: last.provider,
      model: last.model,
      promptDigest,
      ...(options.captureContent ? { prompt: messages, output: res.content } : {}),
      outputDigest: digest({ content: res.content, toolCalls: res.toolCalls }),
      ...(res.toolCalls.length > 0
        ? { toolCalls: res.toolCalls.map((c) => ({ id: c.id, name: c.name })) }
        : {}),
      inputTokens: res.usage.inputTokens,
      outputTokens: res.usage.outputTokens,
      costUsd: cost,
      durationMs: clock.now() - t0,
      ...(res.fallback ? { fallback: res.fallback } : {}),
    });
    emit({
      type: 'model.result',
      round,
      provider: last.provider,
      model: last.model,
      inputTokens: res.usage.inputTokens,
      outputTokens: res.usage.outputTokens,
      toolCalls: res.toolCalls.length,
      ...(res.fallback ? { fallback: res.fallback } : {}),
    });
    return res;
  };

  const runTool = async (call: ToolCall, round: number): Promise<ChatMessage> => {
    toolCallCount += 1;
    emit({ type: 'tool.call', round, callId: call.id, tool: call.name });
    const t0 = clock.now();
    let outcome: ToolCallOutcome;
    if (!allowed.has(call.name) || !options.tools) {
      const available = toolSpecs.map((t) => t.name).join(', ') || '(none)';
      outcome = {
        ok: false,
        name: call.name,
        error: {
          code: 'FORBIDDEN',
          message: `Tool "${call.name}" is not available to role "${role.name}". Available tools: ${available}.`,
        },
        durationMs: 0,
      };
    } else {
      try {
        outcome = await options.tools.call(call.name, call.arguments, {
          ...(signal ? { signal } : {}),
          ...(options.toolTimeoutMs !== undefined ? { timeoutMs: options.toolTimeoutMs } : {}),
          taskId,
        });
      } catch (err) {
        outcome = {
          ok: false,
          name: call.name,
          error: { code: 'FAILED', message: err instanceof Error ? err.message : String(err) },
          durationMs: clock.now() - t0,
        };
      }
    }
    let content = outcome.ok
      ? stringifyToolValue(outcome.value)
      : JSON.stringify({ error: { code: outcome.error.code, message: outcome.error.message } });
    content = inspect(content, { source: 'tool-result', name: call.name });
    const error = outcome.ok ? undefined : outcome.error;
    emit({
      type: 'tool.result',
      round,
      callId: call.id,
      tool: call.name,
      ok: outcome.ok,
      durationMs: outcome.durationMs,
      ...(error ? { error } : {}),
    });
    audit({
      ...base(),
      kind: 'tool.call',
      round,
      callId: call.id,
      tool: call.name,
      parameters: call.arguments,
      ok: outcome.ok,
      outputDigest: digest(content),
      ...(options.captureContent ? { output: content } : {}),
      durationMs: outcome.durationMs,
      ...(error ? { error } : {}),
    });
    return {
      role: 'tool',
      toolCallId: call.id,
      name: call.name,
      content,
      ...(outcome.ok ? {} : { isError: true }),
    };
  };

  const history: ChatMessage[] = [];
  let toolRounds = 0;
  let repaired = false;
  for (;;) {
    const fit = fitToWindow({ system, parts, history, tools: toolSpecs, budget, renderUser });
    if (fit.trimmed) {
      emit({
        type: 'context.trimmed',
        round: rounds + 1,
        beforeTokens: fit.beforeTokens,
        afterTokens: fit.afterTokens,
        budget,
      });
    }
    // Tools stay on offer in the repair round: Anthropic rejects tool_use history without tool definitions.
    const res = await callModel(fit.messages);
    if (res.toolCalls.length > 0) {
      toolRounds += 1;
      if (toolRounds > maxRounds) {
        throw new AgentError(
          AgentErrorCode.RoundLimit,
          `step ${stepId}: the model still asked for tools after ${maxRounds} round${maxRounds === 1 ? '' : 's'}`,
          { details: { maxRounds, toolCalls: toolCallCount } },
        );
      }
      history.push({ role: 'assistant', content: res.content, toolCalls: res.toolCalls });
      const round = rounds;
      history.push(...(await Promise.all(res.toolCalls.map((c) => runTool(c, round)))));
      continue;
    }

    const parsed = parseJsonOutput(res.content);
    let problem: string | undefined;
    let output: TOutput | undefined;
    if (!parsed.ok) problem = parsed.problem;
    else {
      const validated = role.output.safeParse(parsed.value);
      if (validated.success) output = validated.data;
      else problem = `it does not match the schema:\n${describeIssues(validated.error.issues)}`;
    }
    if (problem !== undefined) {
      if (repaired) {
        throw new AgentError(
          AgentErrorCode.InvalidOutput,
          `step ${stepId}: role "${role.name}" gave an invalid answer after a repair round: ${problem}`,
          { details: { problem, answer: res.content.slice(0, 2000) } },
        );
      }
      repaired = true;
      emit({ type: 'output.repair', round: rounds, problem });
      history.push({ role: 'assistant', content: res.content });
      history.push({
        role: 'user',
        content:
          `Your answer could not be used: ${problem}\n` +
          'Reply again with only the corrected JSON object that matches the schema in the instructions. ' +
          'Keep what was right.',
      });
      continue;
    }

    if (guardrails) {
      const check = guardrails.checkOutput(output);
      if (check.trips.length > 0) {
        report('output', stepId, check.trips);
        throw new AgentError(
          AgentErrorCode.Guardrail,
          `step ${stepId}: output blocked by guardrails: ${check.trips.map((t) => t.detail).join('; ')}`,
          { retryable: false, details: { trips: check.trips } },
        );
      }
    }
    return {
      output: output as TOutput,
      usage: {
        inputTokens,
        outputTokens,
        costUsd: Math.round(totalCost * 1e9) / 1e9,
        latencyMs: clock.now() - started,
        model: last.model,
        provider: last.provider,
        ...(fallback ? { fallback } : {}),
        rounds,
      },
      toolCalls: toolCallCount,
    };
  }
}
