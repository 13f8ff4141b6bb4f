import { dropInstructions, unwrapUntrusted } from './untrusted.js';
import type { ChatRequest, ToolCall, ToolSpec } from '../chat.js';
import { stripMarkdown } from './text.js';

export interface OfflineToolResult {
  callId: string;
  name: string;
  /** The parsed JSON result, or the text when it is not JSON. */
  value: unknown;
  isError: boolean;
  /** A guardrail flagged it (it came wrapped as untrusted data). */
  flagged: boolean;
}

/** What the offline provider reads from a chat request. */
export interface OfflineRequest {
  /** From `responseSchema.name`; `assistant` when there is none. */
  role: string;
  /** The step input: the first fenced JSON block of the last user message that has one. */
  input: Record<string, unknown>;
  /** The overall question: `input.question`, else the last user message. */
  question: string;
  tools: readonly ToolSpec[];
  toolResults: OfflineToolResult[];
  /** Tool calls this conversation already made. */
  calls: ToolCall[];
  /** How many assistant turns came before (used for stable tool-call ids). */
  turn: number;
  schema: Record<string, unknown> | undefined;
}

const FENCED_JSON = /```json[^\n]*\n([\s\S]*?)\n```/;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function readRequest(req: ChatRequest): OfflineRequest {
  let input: Record<string, unknown> | undefined;
  let inputFlagged = false;
  let lastUser = '';
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const m = req.messages[i];
    if (m?.role !== 'user') continue;
    if (!lastUser) lastUser = m.content;
    const block = FENCED_JSON.exec(m.content);
    const parsed = block?.[1] ? parseJson(block[1]) : undefined;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      input = parsed as Record<string, unknown>;
      inputFlagged = m.content.includes('<<<UNTRUSTED_DATA');
      break;
    }
  }
  input ??= { question: lastUser.trim() };
  let question = typeof input['question'] === 'string' ? input['question'] : lastUser.trim();
  // A guardrail flagged the task input: like a careful model, work on the question and leave its instructions out.
  if (inputFlagged) question = dropInstructions(question) || question;

  const toolResults: OfflineToolResult[] = [];
  const calls: ToolCall[] = [];
  let turn = 0;
  for (const m of req.messages) {
    if (m.role === 'assistant') {
      turn += 1;
      calls.push(...(m.toolCalls ?? []));
    } else if (m.role === 'tool') {
      const { text, wrapped } = unwrapUntrusted(m.content);
      const parsed = parseJson(text);
      toolResults.push({
        callId: m.toolCallId,
        name: m.name,
        value: parsed === undefined ? text : parsed,
        isError: Boolean(m.isError) || isErrorValue(parsed),
        flagged: wrapped,
      });
    }
  }
  return {
    role: req.responseSchema?.name ?? 'assistant',
    input,
    question,
    tools: req.tools ?? [],
    toolResults,
    calls,
    turn,
    schema: req.responseSchema?.schema,
  };
}

function isErrorValue(v: unknown): boolean {
  return Boolean(
    v && typeof v === 'object' && !Array.isArray(v) && 'error' in v && Object.keys(v).length <= 2,
  );
}

/** A search hit, whatever shape the search tool returned it in. */
export interface Hit {
  source: string;
  title: string;
  excerpt: string;
}

const LIST_KEYS = ['hits', 'results', 'documents', 'docs', 'items', 'matches', 'passages', 'chunks'];
const SOURCE_KEYS = ['source', 'path', 'url', 'uri', 'file', 'id', 'doc', 'document'];
const TITLE_KEYS = ['title', 'heading', 'name', 'section'];
const TEXT_KEYS = ['excerpt', 'snippet', 'text', 'content', 'chunk', 'passage', 'body', 'summary'];

function pick(obj: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = obj[k];
    if (typeof v === 'string' && v.trim() !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

export function extractHits(value: unknown): Hit[] {
  let list: unknown[] | undefined;
  if (Array.isArray(value)) list = value;
  else if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of LIST_KEYS) {
      const v = obj[k];
      if (Array.isArray(v)) {
        list = v;
        break;
      }
    }
  }
  const hits: Hit[] = [];
  for (const item of list ?? []) {
    if (!item || typeof item !== 'object') continue;
    const obj = item as Record<string, unknown>;
    const source = pick(obj, SOURCE_KEYS);
    if (!source) continue;
    const excerpt = stripMarkdown(pick(obj, TEXT_KEYS) ?? '');
    const title = pick(obj, TITLE_KEYS) ?? titleFromSource(source);
    hits.push({ source, title: stripMarkdown(title), excerpt });
  }
  return hits;
}

export function titleFromSource(source: string): string {
  const base = source.split(/[\\/]/).pop() ?? source;
  const name = base
    .replace(/\.[a-z0-9]+$/i, '')
    .replace(/[-_]+/g, ' ')
    .trim();
  return name.length > 0 ? name[0]!.toUpperCase() + name.slice(1) : source;
}

export function findTool(tools: readonly ToolSpec[], ...names: string[]): ToolSpec | undefined {
  for (const n of names) {
    const t = tools.find((tool) => tool.name === n);
    if (t) return t;
  }
  return undefined;
}

/**
 * Arguments for a tool from its JSON Schema: the main text goes into the first matching string property
 * (`query`, `q`, `expression`, ... else the first required string), and a result limit when it has one.
 */
export function toolArguments(
  tool: ToolSpec,
  text: string,
  preferred: readonly string[],
  limit?: number,
): Record<string, unknown> {
  const props = (tool.parameters['properties'] ?? {}) as Record<string, { type?: unknown }>;
  const required = Array.isArray(tool.parameters['required'])
    ? (tool.parameters['required'] as string[])
    : [];
  const names = Object.keys(props);
  const isString = (n: string) => props[n]?.type === undefined || props[n]?.type === 'string';
  const main =
    preferred.find((p) => names.includes(p)) ??
    required.find(isString) ??
    names.find(isString) ??
    preferred[0] ??
    'input';
  const args: Record<string, unknown> = { [main]: text };
  if (limit !== undefined) {
    const limitKey = ['limit', 'k', 'topK', 'top_k', 'maxResults', 'max_results'].find((k) =>
      names.includes(k),
    );
    if (limitKey) args[limitKey] = limit;
  }
  return args;
}

export const SEARCH_TOOL_NAMES = ['search_corpus', 'search'];
