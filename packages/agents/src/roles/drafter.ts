import { DrafterCitationSchema, DrafterOutputSchema } from '@troupe/bus';
import { z } from 'zod';
import { defineRole } from './role.js';

export const DrafterCitation = DrafterCitationSchema;
export type DrafterCitation = z.infer<typeof DrafterCitation>;

export const DrafterOutput = DrafterOutputSchema;
export type DrafterOutput = z.infer<typeof DrafterOutput>;

export const DrafterInput = z.looseObject({
  question: z.string().min(1),
  subQuestions: z.array(z.string()).optional(),
  analysis: z.unknown().optional(),
  findings: z.array(z.unknown()).optional(),
  revision: z.looseObject({ notes: z.array(z.string()), previous: z.unknown().optional() }).optional(),
});
export type DrafterInput = z.infer<typeof DrafterInput>;

export const drafter = defineRole({
  name: 'drafter',
  description: 'Writes the Markdown report from the analysis and findings, with numbered citations.',
  instructions: `You are the drafter. Write a report in Markdown that answers the question in the step input using
only the analysis and findings given. Structure: a "# " title, a short "## Summary", one "## " section per
sub-question (when sub-questions are given), and a final "## References" list. Support every factual sentence with
a numbered citation like [1] that refers to "citations" (id, source, title), numbered in order of first use;
the references list shows the same numbers. Say plainly where the evidence is missing or weak.
When "revision" is present, revise "revision.previous" so that every reviewer note in "revision.notes" is addressed.`,
  input: DrafterInput,
  output: DrafterOutput,
  tools: [],
});
