export { ToolErrorCode } from './tool.js';
export type { Tool, ToolContext, ToolSpec, ToolCallOutcome } from './tool.js';
export { ToolError, ToolsErrorCode, isToolError, isTransientError } from './errors.js';
export type { ToolErrorOptions } from './errors.js';
export { defineTool, TOOL_NAME_PATTERN, DEFAULT_TOOL_TIMEOUT_MS } from './define-tool.js';
export type { ToolDefinition } from './define-tool.js';
export { createToolRegistry } from './registry.js';
export type {
  ToolRegistry,
  ToolRegistryOptions,
  ToolCallOptions,
  ToolCallRequest,
  CallManyOptions,
} from './registry.js';

export { createCorpus } from './corpus/corpus.js';
export type {
  Corpus,
  CorpusDocument,
  CorpusHit,
  CorpusSearchOptions,
  CreateCorpusOptions,
  Passage,
} from './corpus/corpus.js';
export { loadDefaultCorpus, CORPUS_DIR_ENV } from './corpus/default-corpus.js';
export type { DefaultCorpusOptions } from './corpus/default-corpus.js';

export { createCorpusSearchTool } from './builtins/search-corpus.js';
export type { CorpusSearchToolOptions, CorpusSearchResult } from './builtins/search-corpus.js';
export { createCalculatorTool } from './builtins/calculator.js';
export { evaluateExpression } from './calculator/evaluate.js';
export { createReadFileTool } from './builtins/read-file.js';
export type { ReadFileToolOptions, ReadFileResult } from './builtins/read-file.js';
export { createHttpFetchTool } from './builtins/http-fetch.js';
export type { HttpFetchToolOptions, HttpFetchResult } from './builtins/http-fetch.js';

export { connectMcpTools } from './mcp/connect-mcp-tools.js';
export type {
  ConnectMcpToolsOptions,
  McpTransportOptions,
  McpToolSet,
  McpToolResult,
} from './mcp/connect-mcp-tools.js';

export { createGuardrails } from './guardrails/guardrails.js';
export type { Guardrails, GuardrailsOptions, InspectOptions } from './guardrails/guardrails.js';
export { wrapUntrusted } from './guardrails/wrap-untrusted.js';
export type { WrapUntrustedOptions } from './guardrails/wrap-untrusted.js';
export { redactPii } from './guardrails/pii.js';
export { INJECTION_PATTERNS } from './guardrails/injection-patterns.js';
export type { InjectionPattern } from './guardrails/injection-patterns.js';
export type {
  GuardrailSource,
  GuardrailTrip,
  GuardrailTripKind,
  InjectionMatch,
  InspectResult,
  OutputCheck,
  PiiKind,
} from './guardrails/types.js';
