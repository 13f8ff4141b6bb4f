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

/** Progress while a step runs; the runtime turns these into `troupe.event.<taskId>` messages. */
export type StepEvent =
  | { type: 'model.call'; round: number; provider: string; model: string }
  | { type: 'model.delta'; round: number; text: string }
  | {
      type: 'model.result';
      round: number;
      provider: string;
      model: string;
      inputTokens: number;
      outputTokens: number;
      toolCalls: number;
      fallback?: ModelFallback;
    }
  | { type: 'tool.call'; round: number; callId: string; tool: string }
  | {
      type: 'tool.result';
      round: number;
      callId: string;
      tool: string;
      ok: boolean;
      durationMs: number;
      error?: { code: string; message: string };
    }
  | { type: 'guardrail.trip'; source: GuardrailTrip['source']; name?: string; trips: GuardrailTrip[] }
  | { type: 'context.trimmed'; round: number; beforeTokens: number; afterTokens: number; budget: number }
  | { type: 'output.repair'; round: number; problem: string };
export type StepEventType = StepEvent['type'];

interface AuditBase {
  taskId: string;
  stepId: string;
  role: string;
  /** Clock time the record was made. */
  at: number;
}

/** One record per model call, tool call and guardrail trip; the runtime appends them to `troupe.audit.<taskId>`. */
export type StepAuditRecord =
  | (AuditBase & {
      kind: 'model.call';
      round: number;
      provider: string;
      model: string;
      /** sha256 of the messages sent. */
      promptDigest: string;
      /** The messages sent, only with `captureContent`. */
      prompt?: ChatMessage[];
      /** sha256 of the answer (text and tool calls). */
      outputDigest?: string;
      /** The answer text, only with `captureContent`. */
      output?: string;
      toolCalls?: { id: string; name: string }[];
      inputTokens: number;
      outputTokens: number;
      costUsd: number;
      durationMs: number;
      fallback?: ModelFallback;
      error?: { code: string; message: string };
    })
  | (AuditBase & {
      kind: 'tool.call';
      round: number;
      callId: string;
      tool: string;
      /** The arguments the model passed. */
      parameters: unknown;
      ok: boolean;
      /** sha256 of the result as handed to the model. */
      outputDigest: string;
      /** The result as handed to the model, only with `captureContent`. */
      output?: string;
      durationMs: number;
      error?: { code: string; message: string };
    })
  | (AuditBase & {
      kind: 'guardrail.trip';
      source: GuardrailTrip['source'];
      name?: string;
      trips: GuardrailTrip[];
    });

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
