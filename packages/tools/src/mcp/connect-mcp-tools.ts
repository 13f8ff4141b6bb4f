import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { ToolError, ToolsErrorCode } from '../errors.js';
import { parseOptions } from '../options.js';
import type { Tool } from '../tool.js';
import { jsonSchemaInput } from './json-schema-input.js';
import { PACKAGE_VERSION } from '../version.js';

export type McpTransportOptions =
  | {
      type: 'stdio';
      command: string;
      args?: string[];
      /** Added to the SDK's safe default environment (PATH, HOME, ...). */
      env?: Record<string, string>;
      cwd?: string;
    }
  | { type: 'http'; url: string; headers?: Record<string, string> };

export interface ConnectMcpToolsOptions {
  /** Prefixes every tool name: `<name>__<tool>`. Letters, digits, `_`, `-`. */
  name: string;
  transport: McpTransportOptions;
  /** Limit for connecting and listing tools. Default 30 s. */
  connectTimeoutMs?: number;
  /** `timeoutMs` of each tool. Default 60 s. */
  toolTimeoutMs?: number;
}

export interface McpToolSet extends AsyncDisposable {
  /** The server's tools, named `<server>__<tool>`, ready for a registry. */
  readonly tools: Tool<Record<string, unknown>, McpToolResult>[];
  /** Closes the session (and stops a stdio server process). */
  close(): Promise<void>;
}

/** What an MCP tool call returns to the model. */
export interface McpToolResult {
  /** The text parts of the result, joined by blank lines. */
  text: string;
  /** The tool's structured result, when it declares an output schema. */
  structured?: unknown;
  /** Non-text parts (images, audio, resources), described rather than inlined. */
  attachments?: { type: string; mimeType?: string; uri?: string }[];
}

const optionsSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, "_" or "-"'),
  transport: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('stdio'),
      command: z.string().min(1),
      args: z.array(z.string()).optional(),
      env: z.record(z.string(), z.string()).optional(),
      cwd: z.string().optional(),
    }),
    z.object({ type: z.literal('http'), url: z.url(), headers: z.record(z.string(), z.string()).optional() }),
  ]),
  connectTimeoutMs: z.number().int().positive().optional(),
  toolTimeoutMs: z.number().int().positive().optional(),
});

/**
 * Connects to an MCP server (stdio process or streamable HTTP) with the official SDK client and turns each of
 * its tools into a Troupe `Tool`: the server's JSON Schema goes to the model as is, arguments are checked
 * loosely (required keys, basic types) before the call, and an `isError` result becomes a failed call.
 */
export async function connectMcpTools(options: ConnectMcpToolsOptions): Promise<McpToolSet> {
  const opts = parseOptions(optionsSchema, options, 'connectMcpTools');
  const connectTimeoutMs = opts.connectTimeoutMs ?? 30_000;
  const toolTimeoutMs = opts.toolTimeoutMs ?? 60_000;
  const stderrTail: string[] = [];
  let transport: Transport;
  // The MCP SDK (several MB of heap) is loaded by the first agent that connects to a server, not by every one.
  if (opts.transport.type === 'stdio') {
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const stdio = new StdioClientTransport({
      command: opts.transport.command,
      args: opts.transport.args ?? [],
      ...(opts.transport.env ? { env: opts.transport.env } : {}),
      ...(opts.transport.cwd ? { cwd: opts.transport.cwd } : {}),
      stderr: 'pipe',
    });
    stdio.stderr?.on('data', (chunk: Buffer) => {
      stderrTail.push(chunk.toString('utf8'));
      while (stderrTail.length > 20) stderrTail.shift();
    });
    transport = stdio;
  } else {
    const { StreamableHTTPClientTransport } =
      await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    transport = new StreamableHTTPClientTransport(new URL(opts.transport.url), {
      requestInit: { headers: opts.transport.headers ?? {} },
    });
  }

  const { Client: McpClient } = await import('@modelcontextprotocol/sdk/client/index.js');
  const client = new McpClient(
    { name: `troupe-${opts.name}`, version: PACKAGE_VERSION },
    { capabilities: {} },
  );
  const where = opts.transport.type === 'stdio' ? `"${opts.transport.command}"` : opts.transport.url;
  let listed: Awaited<ReturnType<Client['listTools']>>['tools'] = [];
  try {
    await client.connect(transport, { timeout: connectTimeoutMs });
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, { timeout: connectTimeoutMs });
      listed = listed.concat(page.tools);
      cursor = page.nextCursor;
    } while (cursor);
  } catch (err) {
    await client.close().catch(() => undefined);
    const stderr = stderrTail.join('').trim().slice(-800);
    throw new ToolError(
      ToolsErrorCode.ConnectFailed,
      `connectMcpTools: cannot reach MCP server "${opts.name}" at ${where}: ${(err as Error).message}${stderr ? `\nserver stderr: ${stderr}` : ''}`,
      { cause: err },
    );
  }

  const used = new Set<string>();
  const tools = listed.map((mcpTool) => {
    const base = `${opts.name}__${mcpTool.name}`.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base.slice(0, 60)}_${n}`;
    used.add(name);
    // The server's schema goes to the model as is, minus `$schema`, which some providers refuse.
    const { $schema: _dialect, ...schema } = mcpTool.inputSchema as Record<string, unknown>;
    const parameters = { type: 'object', properties: {}, ...schema };
    return defineTool({
      name,
      description:
        mcpTool.description ?? mcpTool.title ?? `Tool "${mcpTool.name}" of MCP server "${opts.name}".`,
      input: jsonSchemaInput(parameters),
      parameters,
      timeoutMs: toolTimeoutMs,
      async run(args, { signal }): Promise<McpToolResult> {
        const result = await client.callTool({ name: mcpTool.name, arguments: args }, undefined, {
          signal,
          timeout: toolTimeoutMs,
        });
        const content = Array.isArray(result.content)
          ? (result.content as { type: string; [k: string]: unknown }[])
          : [];
        const text = content
          .filter((part) => part.type === 'text' && typeof part['text'] === 'string')
          .map((part) => part['text'] as string)
          .join('\n\n');
        if (result.isError) {
          throw new ToolError(ToolsErrorCode.Failed, text || `MCP tool "${mcpTool.name}" reported an error.`);
        }
        const attachments = content
          .filter((part) => part.type !== 'text')
          .map((part) => ({
            type: part.type,
            ...(typeof part['mimeType'] === 'string' ? { mimeType: part['mimeType'] } : {}),
            ...(typeof part['uri'] === 'string' ? { uri: part['uri'] } : {}),
            ...(isRecord(part['resource']) && typeof part['resource']['uri'] === 'string'
              ? { uri: part['resource']['uri'] }
              : {}),
          }));
        return {
          text,
          ...(result.structuredContent === undefined ? {} : { structured: result.structuredContent }),
          ...(attachments.length > 0 ? { attachments } : {}),
        };
      },
    });
  });

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= client.close());
  return { tools, close, [Symbol.asyncDispose]: close };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
