import { systemClock, type Clock } from '@troupe/bus';
import type { ChatMessage } from '../providers/chat.js';
import type { ModelTier } from '../providers/model-router.js';
import type { PriceTable } from '../providers/prices.js';
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
import { GuardrailCheck } from './guardrail-check.js';
import { describeIssues } from './json-output.js';
import { ModelCaller, contextWindowOf } from './model-call.js';
import { invalidOutput, readOutput, repairTurn } from './output-repair.js';
import { throwIfAborted, type StepScope } from './step-scope.js';
import { ToolRunner } from './tool-runner.js';
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
  /** Progress events, as the bus's task events carry them (`type` and `data`). */
  onEvent?: (event: StepEvent) => void;
  /** Audit records, in the bus's `AuditRecord` shape less `v`, `id`, `taskId` and `actor`. */
  onAudit?: (record: StepAuditRecord) => void;
  /** Put prompt and answer text in audit records (otherwise only their sha256 digests). Default false. */
  captureContent?: boolean;
  taskId: string;
  stepId: string;
}

const DEFAULT_MAX_ROUNDS = 6;
const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/**
 * Run one step of a role: assemble and trim the context, call the model, run the tools it asks for, loop until a
 * final answer, validate it against the role's schema (one repair round), and apply the output guardrails.
 * Throws an `AgentError` with a closed code when the step cannot produce a valid output.
 */
export async function executeStep<TOutput>(
  options: ExecuteStepOptions<TOutput>,
): Promise<StepResult<TOutput>> {
  const { role, stepId } = options;
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  const maxOutputTokens = options.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  if (!Number.isInteger(maxRounds) || maxRounds < 1) {
    throw new AgentError(
      AgentErrorCode.InvalidOptions,
      `executeStep: option "maxRounds" must be an integer ≥ 1, got ${maxRounds}`,
      { retryable: false },
    );
  }
  const scope: StepScope = {
    role: role as Role<unknown>,
    taskId: options.taskId,
    stepId,
    clock: options.clock ?? systemClock,
    signal: options.signal,
    emit: options.onEvent,
    audit: options.onAudit,
    captureContent: options.captureContent ?? false,
  };
  const started = scope.clock.now();
  throwIfAborted(scope);
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

  const guardrails = new GuardrailCheck(scope, options.guardrails);
  const tools = new ToolRunner(scope, guardrails, {
    tools: options.tools,
    toolTimeoutMs: options.toolTimeoutMs,
  });
  const model = new ModelCaller(scope, {
    model: options.model,
    tier: options.tier,
    tools: tools.specs,
    maxOutputTokens,
    temperature: options.temperature,
    prices: options.prices,
    stream: options.stream ?? Boolean(options.onEvent),
  });

  const system = systemPrompt(
    role,
    tools.specs.map((t) => t.name),
  );
  const parts: ContextPart[] = userParts({
    input: options.input,
    upstream: options.upstream,
    notes: options.notes,
  });
  // Untrimmed, the user message is the same in every round: rendered and inspected once.
  let untrimmedUser: string | undefined;
  const renderUser = (p: readonly ContextPart[], trimmed: boolean): string => {
    const whole = !trimmed && sameParts(p, parts);
    if (whole && untrimmedUser !== undefined) return untrimmedUser;
    const text = `${guardrails.inspect(renderParts(p, trimmed), { source: 'task-input', name: stepId })}\n\n${CLOSING_INSTRUCTION}`;
    if (whole) untrimmedUser = text;
    return text;
  };
  const contextWindow = options.contextWindow ?? contextWindowOf(options.model);
  const budget = Math.max(1024, contextWindow - maxOutputTokens);

  const history: ChatMessage[] = [];
  let toolRounds = 0;
  let repaired = false;
  for (;;) {
    const fit = fitToWindow({ system, parts, history, tools: tools.specs, budget, renderUser });
    if (fit.trimmed) {
      scope.emit?.({
        type: 'context.trimmed',
        data: {
          round: model.rounds + 1,
          beforeTokens: fit.beforeTokens,
          afterTokens: fit.afterTokens,
          budget,
        },
      });
    }
    // Tools stay on offer in the repair round: Anthropic rejects tool_use history without tool definitions.
    const res = await model.call(fit.messages);
    if (res.toolCalls.length > 0) {
      toolRounds += 1;
      if (toolRounds > maxRounds) {
        throw new AgentError(
          AgentErrorCode.RoundLimit,
          `step ${stepId}: the model still asked for tools after ${maxRounds} round${maxRounds === 1 ? '' : 's'}`,
          { details: { maxRounds, toolCalls: tools.calls } },
        );
      }
      history.push({ role: 'assistant', content: res.content, toolCalls: res.toolCalls });
      history.push(...(await tools.run(res.toolCalls, model.rounds)));
      continue;
    }

    const read = readOutput(role, res.content);
    if (!read.ok) {
      if (repaired) throw invalidOutput(stepId, scope.role, res.content, read.problem);
      repaired = true;
      scope.emit?.({ type: 'output.repair', data: { round: model.rounds, problem: read.problem } });
      history.push(...repairTurn(res.content, read.problem));
      continue;
    }

    guardrails.checkOutput(read.output);
    return {
      output: read.output,
      usage: { ...model.usage(), latencyMs: scope.clock.now() - started },
      toolCalls: tools.calls,
    };
  }
}

function sameParts(a: readonly ContextPart[], b: readonly ContextPart[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
