import { z } from 'zod';
import { defineWorkflow } from '../workflow/define-workflow.js';
import { AssistantOutputSchema, BuiltinRole } from '@troupe/bus';
import type { AssistantOutput } from '@troupe/bus';
import { questionField, threadText } from './task-input.js';

/** One assistant step: a question in, an answer with citations out. */
export const ask = defineWorkflow({
  name: 'ask',
  version: 1,
  description: 'Answers a question in one assistant step.',
  input: z.object({
    question: questionField,
    /** Text the answer should draw on. */
    context: z.string().max(100_000).optional(),
  }),
  steps: [
    {
      id: 'answer',
      role: BuiltinRole.Assistant,
      input: ({ input, thread }) => {
        const context = [threadText(thread), input.context].filter((c) => c !== undefined).join('\n\n');
        return context ? { question: input.question, context } : { question: input.question };
      },
      output: AssistantOutputSchema,
    },
  ],
  result: ({ outputs, usage }) => {
    const answer = outputs.answer as AssistantOutput;
    return { answer: answer.answer, citations: answer.citations, usage };
  },
});
