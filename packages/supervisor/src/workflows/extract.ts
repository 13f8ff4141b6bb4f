import { z } from 'zod';
import { defineWorkflow } from '../workflow/define-workflow.js';
import { AnalystOutputSchema, BuiltinRole, ResearcherOutputSchema } from '@troupe/bus';
import type { AnalystOutput, ResearcherOutput } from '@troupe/bus';
import { questionField } from './task-input.js';

/** A researcher extracts findings; an analyst turns them into claims and numbers. */
export const extract = defineWorkflow({
  name: 'extract',
  version: 1,
  description: 'Extracts findings for the question, then analyses them into claims and numbers.',
  input: z.object({ question: questionField }),
  steps: [
    {
      id: 'extract',
      role: BuiltinRole.Researcher,
      input: ({ input }) => ({ question: input.question, task: { question: input.question } }),
      output: ResearcherOutputSchema,
    },
    {
      id: 'analyse',
      role: BuiltinRole.Analyst,
      needs: ['extract'],
      input: ({ input, outputs }) => ({
        question: input.question,
        findings: (outputs.extract as ResearcherOutput).findings,
      }),
      output: AnalystOutputSchema,
    },
  ],
  result: ({ outputs, usage }) => {
    const analysis = outputs.analyse as AnalystOutput;
    return {
      summary: analysis.summary,
      claims: analysis.claims,
      numbers: analysis.numbers,
      findings: (outputs.extract as ResearcherOutput).findings,
      usage,
    };
  },
});
