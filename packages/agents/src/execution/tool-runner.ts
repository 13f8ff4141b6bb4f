import type { ToolCallOutcome } from '@troupe/tools';
import type { ChatMessage, ToolCall, ToolSpec } from '../providers/chat.js';
import { digest } from './digest.js';
import type { GuardrailCheck } from './guardrail-check.js';
import type { StepScope } from './step-scope.js';
import type { ToolInvoker } from './types.js';

export interface ToolRunnerOptions {
  tools: ToolInvoker | undefined;
  /** Per tool-call timeout, overriding each tool's own. */
  toolTimeoutMs: number | undefined;
}

/** Runs the tool calls a model asks for: each call's result (or error) goes back to the model as a tool message. */
export class ToolRunner {
  /** The tools the role may call, as the model is offered them. */
  readonly specs: readonly ToolSpec[];
  private count = 0;

  constructor(
    private readonly scope: StepScope,
    private readonly guardrails: GuardrailCheck,
    private readonly options: ToolRunnerOptions,
  ) {
    const allowed = scope.role.tools;
    this.specs = (options.tools?.specs() ?? []).filter((s) => allowed.includes(s.name));
  }

  /** Tool calls made so far. */
  get calls(): number {
    return this.count;
  }

  run(calls: readonly ToolCall[], round: number): Promise<ChatMessage[]> {
    return Promise.all(calls.map((call) => this.runOne(call, round)));
  }

  private async runOne(call: ToolCall, round: number): Promise<ChatMessage> {
    this.count += 1;
    const { scope, options } = this;
    const { emit, audit, clock } = scope;
    emit?.({ type: 'tool.call', data: { round, callId: call.id, tool: call.name } });
    const t0 = clock.now();
    let outcome: ToolCallOutcome;
    if (!scope.role.tools.includes(call.name) || !options.tools) {
      outcome = forbidden(call, scope.role.name, this.specs);
    } else {
      try {
        outcome = await options.tools.call(call.name, call.arguments, {
          ...(scope.signal ? { signal: scope.signal } : {}),
          ...(options.toolTimeoutMs !== undefined ? { timeoutMs: options.toolTimeoutMs } : {}),
          taskId: scope.taskId,
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
    const error = outcome.ok ? undefined : outcome.error;
    const content = this.guardrails.inspect(
      outcome.ok
        ? stringifyToolValue(outcome.value)
        : JSON.stringify({ error: { code: outcome.error.code, message: outcome.error.message } }),
      { source: 'tool-result', name: call.name },
    );
    emit?.({
      type: 'tool.result',
      data: {
        round,
        callId: call.id,
        tool: call.name,
        ok: outcome.ok,
        durationMs: outcome.durationMs,
        ...(error ? { error } : {}),
      },
    });
    audit?.({
      type: 'tool.call',
      at: clock.now(),
      stepKey: scope.stepId,
      durationMs: outcome.durationMs,
      ...(error ? { error: `${error.code}: ${error.message}` } : {}),
      data: {
        round,
        tool: call.name,
        callId: call.id,
        parameters: call.arguments,
        ok: outcome.ok,
        outputDigest: digest(content),
        ...(scope.captureContent ? { output: content } : {}),
      },
    });
    return {
      role: 'tool',
      toolCallId: call.id,
      name: call.name,
      content,
      ...(outcome.ok ? {} : { isError: true }),
    };
  }
}

function forbidden(call: ToolCall, role: string, specs: readonly ToolSpec[]): ToolCallOutcome {
  const available = specs.map((t) => t.name).join(', ') || '(none)';
  return {
    ok: false,
    name: call.name,
    error: {
      code: 'FORBIDDEN',
      message: `Tool "${call.name}" is not available to role "${role}". Available tools: ${available}.`,
    },
    durationMs: 0,
  };
}

function stringifyToolValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}
