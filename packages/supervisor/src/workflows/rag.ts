import { z } from 'zod';
import { defineWorkflow } from '../workflow/define-workflow.js';
import { AssistantOutputSchema, BuiltinRole, ResearcherOutputSchema } from '@troupe/bus';
import type { AssistantOutput, Finding, ResearcherOutput } from '@troupe/bus';
import { questionField, threadText } from './task-input.js';

/** Findings as numbered text an assistant can answer from and cite. */
export function findingsContext(findings: readonly Finding[]): string {
  return findings
    .map(
      (f, i) =>
        `[${i + 1}] ${f.citation.title} (${f.citation.source})\n${f.summary}${f.citation.excerpt ? `\n> ${f.citation.excerpt}` : ''}`,
    )
    .join('\n\n');
}

/** A researcher gathers findings; an assistant answers from them, with citations. */
export const rag = defineWorkflow({
  name: 'rag',
  version: 1,
  description: 'Retrieves findings for the question, then answers from them with citations.',
  input: z.object({ question: questionField }),
  steps: [
    {
      id: 'retrieve',
      role: BuiltinRole.Researcher,
      input: ({ input }) => ({ question: input.question, task: { question: input.question } }),
      output: ResearcherOutputSchema,
    },
    {
      id: 'answer',
      role: BuiltinRole.Assistant,
      needs: ['retrieve'],
      input: ({ input, outputs, thread }) => {
        const research = outputs.retrieve as ResearcherOutput;
        const context = [threadText(thread), findingsContext(research.findings)].filter(Boolean).join('\n\n');
        return context ? { question: input.question, context } : { question: input.question };
      },
      output: AssistantOutputSchema,
    },
  ],
  result: ({ outputs, usage }) => {
    const answer = outputs.answer as AssistantOutput;
    const research = outputs.retrieve as ResearcherOutput;
    return { answer: answer.answer, citations: answer.citations, findings: research.findings, usage };
  },
});
