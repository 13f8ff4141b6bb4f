import { z } from 'zod';
import { defineWorkflow } from '../workflow/define-workflow.js';
import { AssistantOutputSchema, BuiltinRole } from '@troupe/bus';
import type { AssistantOutput } from '@troupe/bus';
import { questionField, threadText } from './task-input.js';

/**
 * An assistant that plans and calls tools until it can answer. The agent's tool loop does the planning;
 * this workflow gives it room (a longer timeout) and, when the task names them, the tools it may use.
 */
export const tools = defineWorkflow({
  name: 'tools',
  version: 1,
  description: 'An assistant plans and calls tools until it can answer.',
  input: z.object({
    question: questionField,
    /** Names of the tools the assistant may call (default: the role's own tools). */
    tools: z
      .array(z.string().regex(/^[A-Za-z0-9_.-]+$/))
      .max(64)
      .optional(),
  }),
  steps: [
    {
      id: 'act',
      role: BuiltinRole.Assistant,
      timeoutMs: 300_000,
      input: ({ input, thread }) => {
        const context = threadText(thread);
        return {
          question: input.question,
          ...(context ? { context } : {}),
          ...(input.tools ? { tools: input.tools } : {}),
        };
      },
      output: AssistantOutputSchema,
    },
  ],
  result: ({ outputs, usage }) => {
    const answer = outputs.act as AssistantOutput;
    return { answer: answer.answer, citations: answer.citations, usage };
  },
});
