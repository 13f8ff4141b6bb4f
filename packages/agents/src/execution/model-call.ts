import type { ChatMessage, ChatRequest, ChatResponse, ToolSpec } from '../providers/chat.js';
import { DEFAULT_CONTEXT_WINDOW, contextWindowFor } from '../providers/context-window.js';
import { ModelErrorCode, toModelError } from '../providers/model-error.js';
import type { ModelRef } from '../providers/model-ref.js';
import type { ModelFallback, ModelRouter, ModelTier, RoutedChatResponse } from '../providers/model-router.js';
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

/** A step's calls to its model, with their routing, usage, cost, audit records and events. */
export class ModelCaller {
  private readonly router: ModelRouter | undefined;
  private readonly direct: DirectModel | undefined;
  /** The model a call is meant for: the router's primary (or cheap tier), or the one given. */
  private readonly target: Target;
  private readonly routeOptions: { tier?: ModelTier };
  /** The request fields that are the same in every call, in the key order the call cache's digest sees. */
  private readonly fixed: Omit<ChatRequest, 'model' | 'messages' | 'onDelta'>;
  private readonly prices = new Map<string, ModelPrice | undefined>();
  private round = 0;
  private inputTokens = 0;
  private outputTokens = 0;
  private totalCost = 0;
  private fallback: ModelFallback | undefined;
  private last: Target = { provider: '', model: '' };

  constructor(
    private readonly scope: StepScope,
    private readonly options: ModelCallOptions,
  ) {
    const { model } = options;
    if (isRouter(model)) {
      this.router = model;
      this.target = (options.tier === 'cheap' ? model.chain[1] : undefined) ?? model.primary;
    } else {
      this.direct = model;
      this.target = { provider: model.provider.name, model: model.model };
    }
    this.routeOptions = options.tier ? { tier: options.tier } : {};
    this.fixed = {
      ...(options.tools.length > 0 ? { tools: options.tools as ToolSpec[] } : {}),
      maxOutputTokens: options.maxOutputTokens,
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      responseSchema: { name: scope.role.name, schema: scope.role.outputJsonSchema },
      ...(scope.signal ? { signal: scope.signal } : {}),
    };
  }

  /** Model calls made so far; the current call's round while it runs. */
  get rounds(): number {
    return this.round;
  }

  async call(messages: ChatMessage[]): Promise<ChatResponse> {
    throwIfAborted(this.scope);
    const round = ++this.round;
    const { scope, target } = this;
    const { emit, audit, clock } = scope;
    const req: Omit<ChatRequest, 'model'> = {
      messages,
      ...this.fixed,
      ...(this.options.stream && emit
        ? { onDelta: (text: string) => emit({ type: 'model.delta', data: { round, text } }) }
        : {}),
    };
    emit?.({ type: 'model.call', data: { round, provider: target.provider, model: target.model } });
    const t0 = clock.now();
    let res: RoutedChatResponse;
    try {
      res = await this.invoke(req);
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
    const cost = costAt(this.priceOf(res.ref), usage);
    this.inputTokens += usage.inputTokens;
    this.outputTokens += usage.outputTokens;
    this.totalCost += cost;
    const last: Target = { provider: res.ref.provider, model: res.model || res.ref.model };
    this.last = last;
    if (res.fallback) this.fallback ??= res.fallback;
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
  }

  /** Tokens, cost and the model that answered last, over the calls so far. */
  usage(): Omit<StepUsage, 'latencyMs'> {
    return {
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      costUsd: Math.round(this.totalCost * 1e9) / 1e9,
      model: this.last.model,
      provider: this.last.provider,
      ...(this.fallback ? { fallback: this.fallback } : {}),
      rounds: this.round,
    };
  }

  private async invoke(req: Omit<ChatRequest, 'model'>): Promise<RoutedChatResponse> {
    if (this.router) return this.router.chat(req, this.routeOptions);
    const { provider, model } = this.target;
    const res = await (this.direct as DirectModel).provider.chat({ ...req, model });
    return { ...res, ref: { provider: provider as ModelRef['provider'], model } };
  }

  private priceOf(ref: Target): ModelPrice | undefined {
    const key = `${ref.provider}:${ref.model}`;
    if (this.prices.has(key)) return this.prices.get(key);
    let price: ModelPrice | undefined;
    try {
      price = priceFor(key, this.options.prices);
    } catch {
      price = undefined; // a custom provider the price table cannot name
    }
    this.prices.set(key, price);
    return price;
  }
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
