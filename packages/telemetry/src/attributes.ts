import { PACKAGE_VERSION } from './version.js';

/**
 * Attribute and metric names. The GenAI ones follow the OpenTelemetry GenAI semantic conventions
 * (semconv 1.45, still "development"): OpenTelemetry recommends copying incubating names rather than
 * importing `@opentelemetry/semantic-conventions/incubating`, whose exports may change in a minor release.
 */
export const GenAiAttr = {
  OperationName: 'gen_ai.operation.name',
  ProviderName: 'gen_ai.provider.name',
  RequestModel: 'gen_ai.request.model',
  ResponseModel: 'gen_ai.response.model',
  ResponseId: 'gen_ai.response.id',
  ResponseFinishReasons: 'gen_ai.response.finish_reasons',
  UsageInputTokens: 'gen_ai.usage.input_tokens',
  UsageOutputTokens: 'gen_ai.usage.output_tokens',
  AgentName: 'gen_ai.agent.name',
  AgentId: 'gen_ai.agent.id',
  WorkflowName: 'gen_ai.workflow.name',
  ToolName: 'gen_ai.tool.name',
  ToolCallId: 'gen_ai.tool.call.id',
  ToolCallArguments: 'gen_ai.tool.call.arguments',
  ToolCallResult: 'gen_ai.tool.call.result',
  ConversationId: 'gen_ai.conversation.id',
  InputMessages: 'gen_ai.input.messages',
  OutputMessages: 'gen_ai.output.messages',
  SystemInstructions: 'gen_ai.system_instructions',
  TokenType: 'gen_ai.token.type',
} as const;

export const GenAiOperation = {
  InvokeWorkflow: 'invoke_workflow',
  InvokeAgent: 'invoke_agent',
  Chat: 'chat',
  ExecuteTool: 'execute_tool',
} as const;
export type GenAiOperation = (typeof GenAiOperation)[keyof typeof GenAiOperation];

export const TroupeAttr = {
  TaskId: 'troupe.task.id',
  StepId: 'troupe.step.id',
  StepAttempt: 'troupe.step.attempt',
  CostUsd: 'troupe.cost.usd',
  AgentRole: 'troupe.agent.role',
  Outcome: 'troupe.outcome',
} as const;

export const ErrorAttr = { Type: 'error.type' } as const;

export const ResourceAttr = {
  ServiceName: 'service.name',
  ServiceInstanceId: 'service.instance.id',
  HostName: 'host.name',
  ProcessPid: 'process.pid',
  AgentRole: 'troupe.agent.role',
} as const;

/** Attributes that carry prompt or completion text: set only when content capture is on, never in the live feed. */
export const CONTENT_ATTRIBUTES: ReadonlySet<string> = new Set([
  GenAiAttr.InputMessages,
  GenAiAttr.OutputMessages,
  GenAiAttr.SystemInstructions,
  GenAiAttr.ToolCallArguments,
  GenAiAttr.ToolCallResult,
]);

export const MetricName = {
  TokenUsage: 'gen_ai.client.token.usage',
  OperationDuration: 'gen_ai.client.operation.duration',
  TasksStarted: 'troupe.tasks.started',
  TasksCompleted: 'troupe.tasks.completed',
  TasksFailed: 'troupe.tasks.failed',
  StepDuration: 'troupe.step.duration',
  WorkQueueDepth: 'troupe.workqueue.depth',
  CostUsd: 'troupe.cost.usd',
} as const;

/** The instrumentation scope every Troupe tracer and meter uses. */
export const INSTRUMENTATION_SCOPE = '@troupe/telemetry';
export const INSTRUMENTATION_VERSION = PACKAGE_VERSION;
