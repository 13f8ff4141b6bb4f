import { DEFAULT_REVIEW_CRITERIA, ReviewScoreSchema, ReviewerOutputSchema } from '@troupe/bus';
import { z } from 'zod';
import { defineRole } from './role.js';

export { DEFAULT_REVIEW_CRITERIA };

export const ReviewerInput = z.looseObject({
  question: z.string().min(1),
  subQuestions: z.array(z.string()).optional(),
  draft: z.looseObject({ title: z.string(), markdown: z.string(), citations: z.array(z.unknown()) }),
  criteria: z.array(z.string()).optional(),
});
export type ReviewerInput = z.infer<typeof ReviewerInput>;

export const ReviewScore = ReviewScoreSchema;
export type ReviewScore = z.infer<typeof ReviewScore>;

export const ReviewerOutput = ReviewerOutputSchema;
export type ReviewerOutput = z.infer<typeof ReviewerOutput>;

export const reviewer = defineRole({
  name: 'reviewer',
  description: 'Scores a draft report against review criteria and approves it or asks for a revision.',
  instructions: `You are the reviewer. Score the draft in the step input against each criterion in "criteria"
(default: ${DEFAULT_REVIEW_CRITERIA.map((c) => `"${c}"`).join(', ')}) from 0 (fails) to 1 (fully met), with a
one-sentence comment each. "approve" only when every criterion scores at least 0.7; otherwise "revise" and give
concrete, actionable notes the drafter can follow (which section, what to add, cut or cite).
"confidence" (0 to 1) is how sure you are of the verdict. Judge only the draft against the question and
sub-questions; do not rewrite it.`,
  input: ReviewerInput,
  output: ReviewerOutput,
  tools: [],
});
