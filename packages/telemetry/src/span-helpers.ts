import {
  SpanKind,
  SpanStatusCode,
  context,
  isSpanContextValid,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import {
  ErrorAttr,
  GenAiAttr,
  GenAiOperation,
  INSTRUMENTATION_SCOPE,
  INSTRUMENTATION_VERSION,
  TroupeAttr,
} from './attributes.js';
import { contentCaptureOn, contentToAttribute } from './content-capture.js';
import { troupeMetrics } from './metrics.js';
import { scrubSecrets } from './scrub-secrets.js';

/**
 * Spans named and attributed after the OpenTelemetry GenAI semantic conventions. Each helper starts a
 * span as a child of the active context, runs `fn` inside it, records a thrown error (status ERROR,
 * `error.type`) and rethrows it, and ends the span. Without a tracer provider they cost a few object
 * allocations.
 */

export interface WorkflowSpanOptions {
  workflow: string;
  taskId: string;
  attributes?: Attributes;
}

export interface AgentSpanOptions {
  /** The agent role, e.g. `researcher` (→ `gen_ai.agent.name`). */
  role: string;
  agentId: string;
  taskId: string;
  stepId: string;
  attempt: number;
  attributes?: Attributes;
}

export interface ChatSpanOptions {
  /** `gen_ai.provider.name`: `openai`, `anthropic`, `offline`, ... */
  provider: string;
  model: string;
  taskId?: string;
  /** Recorded as `gen_ai.input.messages` only when content capture is on; serialised lazily. */
  inputMessages?: unknown;
  /** Recorded as `gen_ai.system_instructions` only when content capture is on. */
  systemInstructions?: unknown;
  attributes?: Attributes;
}

export interface ChatResponse {
  /** The model that answered (`gen_ai.response.model`). */
  model?: string;
  id?: string;
  finishReasons?: string[];
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  /** Recorded as `gen_ai.output.messages` only when content capture is on. */
  outputMessages?: unknown;
}

/** What `withChatSpan` hands to the call: report the response (usage, cost) once it is known. */
export interface ChatSpan {
  readonly span: Span;
  setResponse(response: ChatResponse): void;
}

export interface ToolSpanOptions {
  tool: string;
  callId?: string;
  taskId?: string;
  /** Recorded as `gen_ai.tool.call.arguments` only when content capture is on. */
  arguments?: unknown;
  attributes?: Attributes;
}

const tracer = () => trace.getTracer(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);

/** A low-cardinality name for what went wrong: a Troupe or Node error code, else the error's name. */
export function errorTypeOf(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    const name = (err as { name?: unknown }).name;
    if (typeof name === 'string' && name.length > 0) return name;
  }
  return '_OTHER';
}

function recordError(span: Span, err: unknown): string {
  const type = errorTypeOf(err);
  if (span.isRecording()) {
    const message = scrubSecrets(err instanceof Error ? err.message : String(err));
    span.recordException({
      name: err instanceof Error ? err.name : type,
      message,
      ...(err instanceof Error && err.stack ? { stack: scrubSecrets(err.stack) } : {}),
    });
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    span.setAttribute(ErrorAttr.Type, type);
  }
  return type;
}

function withExtra(attributes: Attributes, extra: Attributes | undefined): Attributes {
  return extra === undefined ? attributes : { ...extra, ...attributes };
}

async function run<T>(span: Span, fn: () => T | Promise<T>): Promise<T> {
  // Without an SDK every span is a no-op with an invalid context: entering it would only cost the async
  // context switch. A sampled-out span still has a valid context, which must reach the messages sent inside.
  if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return fn();
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** `invoke_workflow {workflow}`: one task's journey through a workflow (or one supervisor event on it). */
export async function withWorkflowSpan<T>(
  options: WorkflowSpanOptions,
  fn: (span: Span) => T | Promise<T>,
): Promise<T> {
  const span = tracer().startSpan(`${GenAiOperation.InvokeWorkflow} ${options.workflow}`, {
    kind: SpanKind.INTERNAL,
    attributes: withExtra(
      {
        [GenAiAttr.OperationName]: GenAiOperation.InvokeWorkflow,
        [GenAiAttr.WorkflowName]: options.workflow,
        [GenAiAttr.ConversationId]: options.taskId,
        [TroupeAttr.TaskId]: options.taskId,
      },
      options.attributes,
    ),
  });
  try {
    return await run(span, () => fn(span));
  } catch (err) {
    recordError(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** `invoke_agent {role}`: one attempt of one step by an agent. Records `troupe.step.duration`. */
export async function withAgentSpan<T>(
  options: AgentSpanOptions,
  fn: (span: Span) => T | Promise<T>,
): Promise<T> {
  const started = performance.now();
  const span = tracer().startSpan(`${GenAiOperation.InvokeAgent} ${options.role}`, {
    kind: SpanKind.INTERNAL,
    attributes: withExtra(
      {
        [GenAiAttr.OperationName]: GenAiOperation.InvokeAgent,
        [GenAiAttr.AgentName]: options.role,
        [GenAiAttr.AgentId]: options.agentId,
        [GenAiAttr.ConversationId]: options.taskId,
        [TroupeAttr.TaskId]: options.taskId,
        [TroupeAttr.StepId]: options.stepId,
        [TroupeAttr.StepAttempt]: options.attempt,
      },
      options.attributes,
    ),
  });
  let errorType: string | undefined;
  try {
    return await run(span, () => fn(span));
  } catch (err) {
    errorType = recordError(span, err);
    throw err;
  } finally {
    span.end();
    troupeMetrics().stepDuration((performance.now() - started) / 1000, {
      role: options.role,
      outcome: errorType === undefined ? 'ok' : 'error',
      errorType,
    });
  }
}

/**
 * `chat {model}` (kind CLIENT): one model call. Report usage through `chat.setResponse(...)`; after the
 * call the span gets `gen_ai.response.model`, `gen_ai.usage.*`, `troupe.cost.usd`, and the metrics
 * `gen_ai.client.token.usage`, `gen_ai.client.operation.duration` and `troupe.cost.usd` are recorded.
 */
export async function withChatSpan<T>(
  options: ChatSpanOptions,
  fn: (chat: ChatSpan) => T | Promise<T>,
): Promise<T> {
  const started = performance.now();
  const attributes: Attributes = {
    [GenAiAttr.OperationName]: GenAiOperation.Chat,
    [GenAiAttr.ProviderName]: options.provider,
    [GenAiAttr.RequestModel]: options.model,
  };
  if (options.taskId !== undefined) {
    attributes[GenAiAttr.ConversationId] = options.taskId;
    attributes[TroupeAttr.TaskId] = options.taskId;
  }
  const capture = contentCaptureOn();
  if (capture) {
    const input = contentToAttribute(options.inputMessages);
    if (input !== undefined) attributes[GenAiAttr.InputMessages] = input;
    const system = contentToAttribute(options.systemInstructions);
    if (system !== undefined) attributes[GenAiAttr.SystemInstructions] = system;
  }
  const span = tracer().startSpan(`${GenAiOperation.Chat} ${options.model}`, {
    kind: SpanKind.CLIENT,
    attributes: withExtra(attributes, options.attributes),
  });
  let response: ChatResponse | undefined;
  const chat: ChatSpan = {
    span,
    setResponse(r) {
      response = response === undefined ? r : { ...response, ...r };
    },
  };
  let errorType: string | undefined;
  try {
    return await run(span, () => fn(chat));
  } catch (err) {
    errorType = recordError(span, err);
    throw err;
  } finally {
    if (response !== undefined && span.isRecording()) {
      const after: Attributes = {};
      if (response.model !== undefined) after[GenAiAttr.ResponseModel] = response.model;
      if (response.id !== undefined) after[GenAiAttr.ResponseId] = response.id;
      if (response.finishReasons !== undefined)
        after[GenAiAttr.ResponseFinishReasons] = response.finishReasons;
      if (response.inputTokens !== undefined) after[GenAiAttr.UsageInputTokens] = response.inputTokens;
      if (response.outputTokens !== undefined) after[GenAiAttr.UsageOutputTokens] = response.outputTokens;
      if (response.costUsd !== undefined) after[TroupeAttr.CostUsd] = response.costUsd;
      if (capture) {
        const output = contentToAttribute(response.outputMessages);
        if (output !== undefined) after[GenAiAttr.OutputMessages] = output;
      }
      span.setAttributes(after);
    }
    span.end();
    const m = troupeMetrics();
    const metricAttributes = {
      provider: options.provider,
      model: options.model,
      responseModel: response?.model,
      errorType,
    };
    m.operationDuration((performance.now() - started) / 1000, metricAttributes);
    if (response !== undefined) {
      m.tokenUsage(response, metricAttributes);
      if (response.costUsd !== undefined) m.cost(response.costUsd, metricAttributes);
    }
  }
}

/**
 * `execute_tool {tool}`: one tool call. With content capture on, the arguments and the returned value
 * are recorded as `gen_ai.tool.call.arguments` / `gen_ai.tool.call.result`.
 */
export async function withToolSpan<T>(
  options: ToolSpanOptions,
  fn: (span: Span) => T | Promise<T>,
): Promise<T> {
  const attributes: Attributes = {
    [GenAiAttr.OperationName]: GenAiOperation.ExecuteTool,
    [GenAiAttr.ToolName]: options.tool,
  };
  if (options.callId !== undefined) attributes[GenAiAttr.ToolCallId] = options.callId;
  if (options.taskId !== undefined) {
    attributes[GenAiAttr.ConversationId] = options.taskId;
    attributes[TroupeAttr.TaskId] = options.taskId;
  }
  const capture = contentCaptureOn();
  if (capture) {
    const args = contentToAttribute(options.arguments);
    if (args !== undefined) attributes[GenAiAttr.ToolCallArguments] = args;
  }
  const span = tracer().startSpan(`${GenAiOperation.ExecuteTool} ${options.tool}`, {
    kind: SpanKind.INTERNAL,
    attributes: withExtra(attributes, options.attributes),
  });
  try {
    const result = await run(span, () => fn(span));
    if (capture && span.isRecording()) {
      const value = contentToAttribute(result);
      if (value !== undefined) span.setAttribute(GenAiAttr.ToolCallResult, value);
    }
    return result;
  } catch (err) {
    recordError(span, err);
    throw err;
  } finally {
    span.end();
  }
}
