import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createToolRegistry, type ToolRegistry } from '../registry.js';
import { connectMcpTools, type McpToolSet } from './connect-mcp-tools.js';

const require = createRequire(import.meta.url);
const everythingBin = path.join(
  path.dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist',
  'index.js',
);

describe('connectMcpTools over stdio: the real server-everything process', () => {
  let mcp: McpToolSet;
  let registry: ToolRegistry;
  beforeAll(async () => {
    mcp = await connectMcpTools({
      name: 'everything',
      transport: { type: 'stdio', command: process.execPath, args: [everythingBin, 'stdio'] },
    });
    registry = createToolRegistry(mcp.tools);
  });
  afterAll(async () => {
    await mcp?.close();
  });

  it("lists the server's tools under prefixed names with their JSON Schemas", () => {
    const names = mcp.tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['everything__echo', 'everything__get-sum']));
    for (const name of names) expect(name).toMatch(/^everything__[a-zA-Z0-9_-]+$/);
    const echo = registry.specs().find((s) => s.name === 'everything__echo');
    expect(echo).toMatchObject({
      description: 'Echoes back the input string',
      parameters: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
    });
  });

  it('calls echo and get-sum and returns their results', async () => {
    expect(await registry.call('everything__echo', { message: 'hello troupe' })).toMatchObject({
      ok: true,
      value: { text: 'Echo: hello troupe' },
    });
    const sum = await registry.call('everything__get-sum', { a: 2, b: 40 });
    expect(sum.ok && (sum.value as { text: string }).text).toMatch(/\b42\b/);
  });

  it('checks arguments against the JSON Schema before calling', async () => {
    const outcome = await registry.call('everything__echo', { message: 5 });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENTS' } });
    expect(!outcome.ok && outcome.error.message).toContain('"message": expected string, received number');
  });
});

describe('connectMcpTools over streamable HTTP', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.headers.authorization !== 'Bearer test-token') {
        res.writeHead(401).end('unauthorised');
        return;
      }
      const mcp = new McpServer({ name: 'calc', version: '1.0.0' });
      mcp.registerTool(
        'add',
        { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } },
        async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
      );
      mcp.registerTool('fail', { description: 'Always fails' }, async () => ({
        isError: true,
        content: [{ type: 'text', text: 'the disk is on fire' }],
      }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void mcp.close();
      });
      void mcp.connect(transport).then(() => transport.handleRequest(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects with headers, lists and calls tools, and maps isError to a failed call', async () => {
    const mcp = await connectMcpTools({
      name: 'calc',
      transport: { type: 'http', url, headers: { authorization: 'Bearer test-token' } },
    });
    try {
      const registry = createToolRegistry(mcp.tools);
      expect(
        registry
          .list()
          .map((t) => t.name)
          .sort(),
      ).toEqual(['calc__add', 'calc__fail']);
      expect(await registry.call('calc__add', { a: 19, b: 23 })).toMatchObject({
        ok: true,
        value: { text: '42' },
      });
      expect(await registry.call('calc__fail', {})).toEqual(
        expect.objectContaining({ ok: false, error: { code: 'FAILED', message: 'the disk is on fire' } }),
      );
      expect(await registry.call('calc__add', { a: 1 })).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENTS' },
      });
    } finally {
      await mcp.close();
    }
  });

  it('fails to connect with a clear CONNECT_FAILED error', async () => {
    await expect(connectMcpTools({ name: 'calc', transport: { type: 'http', url } })).rejects.toMatchObject({
      code: 'CONNECT_FAILED',
      message: expect.stringContaining(`cannot reach MCP server "calc" at ${url}`),
    });
    await expect(
      connectMcpTools({
        name: 'ghost',
        transport: { type: 'stdio', command: process.execPath, args: ['-e', 'process.exit(3)'] },
        connectTimeoutMs: 5_000,
      }),
    ).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });

  it('validates its options', async () => {
    await expect(connectMcpTools({ name: 'bad name', transport: { type: 'http', url } })).rejects.toThrow(
      /option "name"/,
    );
  });
});
