// The agent process runtime: hosting roles over the bus.
export { startAgentHost, HealthSchema } from './runtime/agent-host.js';
export type {
  AgentHost,
  AgentHostOptions,
  ExecuteStep,
  StepContext as HostStepContext,
  StepOutcome,
  StepFailure,
} from './runtime/agent-host.js';

// Model providers: the provider-neutral chat interface, OpenAI, Anthropic, offline, routing and prices.
export { FinishReason } from './providers/chat.js';
export type {
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ChatUsage,
  ModelProvider,
  ResponseSchema,
  ToolCall,
} from './providers/chat.js';
export { ModelError, ModelErrorCode, isModelError, toModelError } from './providers/model-error.js';
export { createOpenAIProvider } from './providers/openai-provider.js';
export type { OpenAIProviderOptions } from './providers/openai-provider.js';
export { createAnthropicProvider } from './providers/anthropic-provider.js';
export type { AnthropicProviderOptions } from './providers/anthropic-provider.js';
export { createOfflineProvider } from './providers/offline/offline-provider.js';
export type {
  OfflineAnswer,
  OfflineProviderOptions,
  CorpusDocument as OfflineCorpusDocument,
} from './providers/offline/offline-provider.js';
export { createProviderFactory } from './providers/provider-factory.js';
export type { ProviderFactoryOptions } from './providers/provider-factory.js';
export {
  DEFAULT_MODELS,
  ProviderName,
  formatModelRef,
  parseModelRef,
  providerConfigured,
  resolveModelChain,
  resolveModelRef,
} from './providers/model-ref.js';
export type { ModelEnv, ModelRef, ModelRefLike, ResolveModelOptions } from './providers/model-ref.js';
export { FallbackReason, ModelTier, createModelRouter } from './providers/model-router.js';
export type {
  ModelFallback,
  ModelRouter,
  ModelRouterOptions,
  ProviderFactory,
  RoutedChatResponse,
} from './providers/model-router.js';
export { DEFAULT_PRICES, costUsd, priceFor } from './providers/prices.js';
export type { ModelPrice, PriceTable } from './providers/prices.js';
export { DEFAULT_CONTEXT_WINDOW, contextWindowFor } from './providers/context-window.js';
export { countTokens } from './providers/tokens.js';

// Roles: the built-ins (their output schemas are what workflows read) and defineRole for user roles.
export { defineRole } from './roles/role.js';
export type { Role, RoleDefinition, inferRoleInput, inferRoleOutput } from './roles/role.js';
export { builtinRoles, createRoleRegistry } from './roles/registry.js';
export type { BuiltinRoleName, RoleRegistry } from './roles/registry.js';
export { PlannerInput, PlannerOutput, planner } from './roles/planner.js';
export { Citation, Finding, ResearcherInput, ResearcherOutput, researcher } from './roles/researcher.js';
export { AnalystInput, AnalystOutput, Claim, NumberFact, analyst } from './roles/analyst.js';
export { DrafterCitation, DrafterInput, DrafterOutput, drafter } from './roles/drafter.js';
export {
  DEFAULT_REVIEW_CRITERIA,
  ReviewScore,
  ReviewerInput,
  ReviewerOutput,
  reviewer,
} from './roles/reviewer.js';
export { AssistantInput, AssistantOutput, assistant } from './roles/assistant.js';

// Executing one step: context, model and tool loop, validation with one repair round, guardrails, audit.
export { executeStep } from './execution/execute-step.js';
export type { ExecuteStepOptions } from './execution/execute-step.js';
export { AgentError, AgentErrorCode, isAgentError } from './execution/agent-error.js';
export type {
  DirectModel,
  GuardrailTripAudit,
  ModelCallAudit,
  StepAuditRecord,
  StepEvent,
  StepEventType,
  StepGuardrails,
  StepModel,
  StepResult,
  StepUsage,
  ToolCallAudit,
  ToolInvoker,
} from './execution/types.js';

// Agents as processes.
export { defineAgent } from './runtime/define-agent.js';
export type { Agent, AgentDefinition, McpServerConfig } from './runtime/define-agent.js';
export { BUILTIN_TOOL_NAMES, runAgent } from './runtime/run-agent.js';
export type { RunAgentOptions, RunningAgent } from './runtime/run-agent.js';
