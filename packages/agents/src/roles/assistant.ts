import { AssistantOutputSchema } from '@troupe/bus';
import { z } from 'zod';
import { defineRole } from './role.js';

export const AssistantInput = z.looseObject({ question: z.string().min(1), context: z.string().optional() });
export type AssistantInput = z.infer<typeof AssistantInput>;

export const AssistantOutput = AssistantOutputSchema;
export type AssistantOutput = z.infer<typeof AssistantOutput>;

export const assistant = defineRole({
  name: 'assistant',
  description: 'Answers a question directly, searching the corpus or calculating when that helps.',
  instructions: `You are a helpful assistant. Answer the question in the step input accurately and concisely.
Use "context" when it is given. Use search_corpus to look facts up and cite the sources you used
(source and title exactly as returned); use calculator for arithmetic instead of computing in your head.
If you cannot find the answer, say so rather than guessing.`,
  input: AssistantInput,
  output: AssistantOutput,
  tools: ['search_corpus', 'calculator'],
});
