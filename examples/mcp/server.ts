// A small MCP server over stdio with two tools: `lookup` answers from a glossary, `word_count` counts words.
// Any MCP client can start it (`node --import tsx server.ts`); run.ts gives its tools to an agent role.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const glossary: Record<string, string> = {
  jetstream:
    'JetStream is the persistence layer of NATS: streams store messages, and consumers deliver them with acknowledgements.',
  consumer:
    'A consumer is a stateful view of a stream that tracks which messages each subscriber has acknowledged.',
  supervisor:
    'A Troupe supervisor is a stateless process that hands out the steps of each task and combines their results.',
  role: 'A Troupe role is the job an agent does: its instructions, its tools and the shape of its output.',
};

const server = new McpServer({ name: 'glossary', version: '1.0.0' });

server.registerTool(
  'lookup',
  {
    description: 'Looks a term up in the glossary and returns its definition.',
    inputSchema: { term: z.string().describe('The term, e.g. "JetStream"') },
  },
  async ({ term }) => {
    const definition = glossary[term.trim().toLowerCase()];
    if (!definition) {
      const known = Object.keys(glossary).join(', ');
      return {
        isError: true,
        content: [{ type: 'text', text: `No entry for "${term}". Known terms: ${known}.` }],
      };
    }
    return { content: [{ type: 'text', text: definition }] };
  },
);

server.registerTool(
  'word_count',
  {
    description: 'Counts the words in a text.',
    inputSchema: { text: z.string() },
    outputSchema: { words: z.number().int() },
  },
  async ({ text }) => {
    const words = text.split(/\s+/).filter(Boolean).length;
    return { content: [{ type: 'text', text: `${words} words` }], structuredContent: { words } };
  },
);

// stdout carries the protocol; anything else a server prints goes to stderr.
await server.connect(new StdioServerTransport());
console.error('glossary MCP server ready on stdio');
