import type { GuardrailTrip, Guardrails, ToolRegistry } from '@troupe/tools';
import type { ChatMessage, ModelProvider } from '../providers/chat.js';
import type { ModelFallback, ModelRouter } from '../providers/model-router.js';

/** What a step needs from a tool registry (`createToolRegistry` from `@troupe/tools` satisfies it). */
export type ToolInvoker = Pick<ToolRegistry, 'specs' | 'call'>;

/** What a step needs from guardrails (`createGuardrails` from `@troupe/tools` satisfies it). */
export type StepGuardrails = Pick<Guardrails, 'inspectText' | 'checkOutput'>;

/** A single provider and model, when no router (fallback chain) is wanted. */
export interface DirectModel {
  provider: ModelProvider;
  model: string;
}
export type StepModel = ModelRouter | DirectModel;

/**
 * Progress while a step runs: the `type` and `data` of a `troupe.event.<taskId>` message, as the bus's `TaskEvent`
 * carries them (the host adds the rest: `v`, `id`, `taskId`, `at`, `stepKey`).
 */
export type StepEvent =
  | { type: 'model.call'; data: { round: number; provider: string; model: string } }
  | { type: 'model.delta'; data: { round: number; text: string } }
  | {
      type: 'model.result';
      data: {
        round: number;
        provider: string;
        model: string;
        inputTokens: number;
        outputTokens: number;
        toolCalls: number;
        fallback?: ModelFallback;
      };
    }
  | { type: 'tool.call'; data: { round: number; callId: string; tool: string } }
  | {
      type: 'tool.result';
      data: {
        round: number;
        callId: string;
        tool: string;
        ok: boolean;
        durationMs: number;
        error?: { code: string; message: string };
      };
    }
  | {
      type: 'guardrail.trip';
      data: { source: GuardrailTrip['source']; name?: string; trips: GuardrailTrip[] };
    }
  | {
      type: 'context.trimmed';
      data: { round: number; beforeTokens: number; afterTokens: number; budget: number };
    }
  | { type: 'output.repair'; data: { round: number; problem: string } };
export type StepEventType = StepEvent['type'];

/** One model call: who answered, tokens, cost, and what was sent and received (digests, or the text with `captureContent`). */
export type ModelCallAudit = {
  type: 'model.call';
  /** Clock time the record was made. */
  at: number;
  stepKey: string;
  /** `provider:model` that answered (that was asked, when the call failed). */
  model: string;
  tokens: { input: number; output: number };
  costUsd: number;
  durationMs: number;
  /** `CODE: message` of a failed call. */
  error?: string;
  data: {
    round: number;
    /** sha256 of the messages sent. */
    promptDigest: string;
    /** sha256 of the answer (text and tool calls). */
    outputDigest?: string;
    /** The messages sent, only with `captureContent`. */
    prompt?: ChatMessage[];
    /** The answer text, only with `captureContent`. */
    output?: string;
    toolCalls?: { id: string; name: string }[];
    fallback?: ModelFallback;
  };
};

export type ToolCallAudit = {
  type: 'tool.call';
  at: number;
  stepKey: string;
  durationMs: number;
  /** `CODE: message` of a failed call. */
  error?: string;
  data: {
    round: number;
    tool: string;
    callId: string;
    /** The arguments the model passed. */
    parameters: unknown;
    ok: boolean;
    /** sha256 of the result as handed to the model. */
    outputDigest: string;
    /** The result as handed to the model, only with `captureContent`. */
    output?: string;
  };
};

export type GuardrailTripAudit = {
  type: 'guardrail.trip';
  at: number;
  stepKey: string;
  decision: 'flagged';
  data: { source: GuardrailTrip['source']; name?: string; trips: GuardrailTrip[] };
};

/**
 * One record per model call, tool call and guardrail trip, in the shape of the bus's `AuditRecord` less what
 * only the host knows (`v`, `id`, `taskId`, `actor`): the runtime appends it to `troupe.audit.<taskId>` as it is.
 */
export type StepAuditRecord = ModelCallAudit | ToolCallAudit | GuardrailTripAudit;

export interface StepUsage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Wall time of the whole step on the injected clock. */
  latencyMs: number;
  /** The model (and provider) that gave the final answer. */
  model: string;
  provider: string;
  fallback?: ModelFallback;
  /** Model calls made, the repair round included. */
  rounds: number;
}

export interface StepResult<TOutput> {
  output: TOutput;
  usage: StepUsage;
  /** Tool calls made. */
  toolCalls: number;
}
