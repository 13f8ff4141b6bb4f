import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../providers/chat.js';
import { digest, promptDigest } from './digest.js';

describe('promptDigest', () => {
  it('is the digest of the messages, whether or not their system prompt was seen before', () => {
    const system = { role: 'system', content: 'Answer with "JSON".\nSchema: {"type":"object"} ✓' } as const;
    const prompts: ChatMessage[][] = [
      [system],
      [system, { role: 'user', content: 'Task:\nWhat is NATS?' }],
      [
        system,
        { role: 'user', content: 'Task:\nWhat is NATS?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'calc', arguments: { x: 1 } }] },
        { role: 'tool', toolCallId: 'c1', name: 'calc', content: '{"result":2}', isError: true },
      ],
      [
        { content: system.content, role: 'system' } as ChatMessage,
        { role: 'user', content: 'keys reordered' },
      ],
      [{ role: 'user', content: 'no system prompt' }],
      [],
    ];
    for (const messages of [...prompts, ...prompts]) expect(promptDigest(messages)).toBe(digest(messages));
  });
});
