import { AssistantOutputSchema, defineWorkflow, type AssistantOutput } from '@troupe/supervisor';
import { z } from 'zod';
import { TranslatorOutput } from './translator.js';

/** Two steps: the built-in assistant summarises the text, then the translator translates the summary. */
export const summariseTranslate = defineWorkflow({
  name: 'summarise-translate',
  version: 1,
  description: 'Summarises a text (assistant), then translates the summary (translator).',
  input: z.object({
    text: z.string().trim().min(1).max(20_000),
    language: z
      .string()
      .regex(/^[a-z]{2}$/, 'an ISO 639-1 code such as fr or de')
      .default('fr'),
  }),
  steps: [
    {
      id: 'summarise',
      role: 'assistant',
      // The assistant reads cited passages from its context: the text is the one passage.
      input: ({ input }) => ({
        question: 'Summarise the text in two or three sentences.',
        context: `[1] Text to summarise (task input)\n${input.text}`,
      }),
      output: AssistantOutputSchema,
    },
    {
      id: 'translate',
      role: 'translator',
      needs: ['summarise'],
      input: ({ input, outputs }) => ({
        text: (outputs['summarise'] as AssistantOutput).answer,
        language: input.language,
      }),
      output: TranslatorOutput,
    },
  ],
  result: ({ outputs, usage }) => {
    const summary = (outputs['summarise'] as AssistantOutput).answer;
    const translated = outputs['translate'] as TranslatorOutput;
    return { summary, ...translated, usage };
  },
});
