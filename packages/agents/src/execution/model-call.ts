import type { ChatMessage, ChatRequest, ChatResponse, ToolSpec } from '../providers/chat.js';
import { DEFAULT_CONTEXT_WINDOW, contextWindowFor } from '../providers/context-window.js';
import { ModelErrorCode, toModelError } from '../providers/model-error.js';
import type { ModelRef } from '../providers/model-ref.js';
import type { ModelFallback, ModelTier, RoutedChatResponse } from '../providers/model-router.js';
import { costAt, priceFor, type ModelPrice, type PriceTable } from '../providers/prices.js';
import { AgentError, AgentErrorCode } from './agent-error.js';
import { digest, promptDigest } from './digest.js';
import { throwIfAborted, type StepScope } from './step-scope.js';
import type { DirectModel, ModelCallAudit, StepModel, StepUsage } from './types.js';

export interface ModelCallOptions {
  model: StepModel;
  /** `cheap` asks the router for its second model. */
  tier: ModelTier | undefined;
  /** The tools the role may call, offered in every call. */
  tools: readonly ToolSpec[];
  maxOutputTokens: number;
  temperature: number | undefined;
  prices: PriceTable | undefined;
  /** Ask for streamed output and report it as `model.delta` events. */
  stream: boolean;
}

/** A step's calls to its model, with their routing, usage, cost, audit records and events. */
export interface ModelCaller {
  /** Model calls made so far; the current call's round while it runs. */
  readonly rounds: number;
  call(messages: ChatMessage[]): Promise<ChatResponse>;
  /** Tokens, cost and the model that answered last, over the calls so far. */
  usage(): Omit<StepUsage, 'latencyMs'>;
}

type Target = { provider: string; model: string };

function isRouter(model: StepModel): model is Extract<StepModel, { chain: unknown }> {
  return 'chain' in model && typeof (model as { chat?: unknown }).chat === 'function';
}

/** The context window of the model a step is meant for; a custom provider the table cannot name gets the default. */
export function contextWindowOf(model: StepModel): number {
  try {
    return contextWindowFor(isRouter(model) ? model.primary : `${model.provider.name}:${model.model}`);
  } catch {
    return DEFAULT_CONTEXT_WINDOW;
  }
}

export function createModelCaller(scope: StepScope, options: ModelCallOptions): ModelCaller {
  const { model } = options;
  const router = isRouter(model) ? model : undefined;
  const direct = router ? undefined : (model as DirectModel);
  const target: Target = router
    ? ((options.tier === 'cheap' ? router.chain[1] : undefined) ?? router.primary)
    : { provider: (direct as DirectModel).provider.name, model: (direct as DirectModel).model };
  const routeOptions = options.tier ? { tier: options.tier } : {};
  // The same in every call; kept in this key order, which the call cache's digest of a request sees.
  const fixed = {
    ...(options.tools.length > 0 ? { tools: options.tools as ToolSpec[] } : {}),
    maxOutputTokens: options.maxOutputTokens,
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    responseSchema: { name: scope.role.name, schema: scope.role.outputJsonSchema },
    ...(scope.signal ? { signal: scope.signal } : {}),
  };
  const invoke = async (req: Omit<ChatRequest, 'model'>): Promise<RoutedChatResponse> => {
    if (router) return router.chat(req, routeOptions);
    const res = await (direct as DirectModel).provider.chat({ ...req, model: target.model });
    return { ...res, ref: { provider: target.provider as ModelRef['provider'], model: target.model } };
  };
  const prices = new Map<string, ModelPrice | undefined>();
  const priceOf = (ref: Target): ModelPrice | undefined => {
    const key = `${ref.provider}:${ref.model}`;
    if (prices.has(key)) return prices.get(key);
    let price: ModelPrice | undefined;
    try {
      price = priceFor(key, options.prices);
    } catch {
      price = undefined; // a custom provider the price table cannot name
    }
    prices.set(key, price);
    return price;
  };

  let rounds = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let totalCost = 0;
  let fallback: ModelFallback | undefined;
  let last: Target = { provider: '', model: '' };

  return {
    get rounds() {
      return rounds;
    },

    async call(messages) {
      throwIfAborted(scope);
      const round = ++rounds;
      const { emit, audit, clock } = scope;
      const req: Omit<ChatRequest, 'model'> = {
        messages,
        ...fixed,
        ...(options.stream && emit
          ? { onDelta: (text: string) => emit({ type: 'model.delta', data: { round, text } }) }
          : {}),
      };
      emit?.({ type: 'model.call', data: { round, provider: target.provider, model: target.model } });
      const t0 = clock.now();
      let res: RoutedChatResponse;
      try {
        res = await invoke(req);
      } catch (err) {
        const error = toModelError(err, { ...target, signal: scope.signal });
        audit?.(failedCallRecord(scope, round, target, messages, clock.now() - t0, error));
        if (error.code === ModelErrorCode.Aborted || scope.signal?.aborted) {
          throw new AgentError(AgentErrorCode.Aborted, `step ${scope.stepId} aborted during a model call`, {
            cause: error,
            retryable: false,
          });
        }
        throw new AgentError(
          AgentErrorCode.ModelFailed,
          `step ${scope.stepId}: model call failed: ${error.message}`,
          { cause: error, retryable: error.retryable, details: { code: error.code } },
        );
      }
      const { usage, toolCalls } = res;
      const cost = costAt(priceOf(res.ref), usage);
      inputTokens += usage.inputTokens;
      outputTokens += usage.outputTokens;
      totalCost += cost;
      last = { provider: res.ref.provider, model: res.model || res.ref.model };
      if (res.fallback) fallback ??= res.fallback;
      audit?.({
        type: 'model.call',
        at: clock.now(),
        stepKey: scope.stepId,
        model: `${last.provider}:${last.model}`,
        tokens: { input: usage.inputTokens, output: usage.outputTokens },
        costUsd: cost,
        durationMs: clock.now() - t0,
        data: {
          round,
          promptDigest: promptDigest(messages),
          outputDigest: digest({ content: res.content, toolCalls }),
          ...(scope.captureContent ? { prompt: messages, output: res.content } : {}),
          ...(toolCalls.length > 0 ? { toolCalls: toolCalls.map((c) => ({ id: c.id, name: c.name })) } : {}),
          ...(res.fallback ? { fallback: res.fallback } : {}),
        },
      });
      emit?.({
        type: 'model.result',
        data: {
          round,
          provider: last.provider,
          model: last.model,
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          toolCalls: toolCalls.length,
          ...(res.fallback ? { fallback: res.fallback } : {}),
        },
      });
      return res;
    },

    usage() {
      return {
        inputTokens,
        outputTokens,
        costUsd: Math.round(totalCost * 1e9) / 1e9,
        model: last.model,
        provider: last.provider,
        ...(fallback ? { fallback } : {}),
        rounds,
      };
    },
  };
}

function failedCallRecord(
  scope: StepScope,
  round: number,
  target: Target,
  messages: ChatMessage[],
  durationMs: number,
  error: { code: string; message: string },
): ModelCallAudit {
  return {
    type: 'model.call',
    at: scope.clock.now(),
    stepKey: scope.stepId,
    model: `${target.provider}:${target.model}`,
    tokens: { input: 0, output: 0 },
    costUsd: 0,
    durationMs,
    error: `${error.code}: ${error.message}`,
    data: {
      round,
      promptDigest: promptDigest(messages),
      ...(scope.captureContent ? { prompt: messages } : {}),
    },
  };
}
