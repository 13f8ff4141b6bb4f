import { z } from 'zod';
import { defineRole } from './role.js';

/** The criteria the `report` workflow sends by default (the reviewer also takes any others). */
export const DEFAULT_REVIEW_CRITERIA = [
  'answers the question that was asked',
  'every claim is backed by a cited source',
  'numbers match the analysis',
  'clear structure and plain language',
] as const;

export const ReviewerInput = z.looseObject({
  question: z.string().min(1),
  subQuestions: z.array(z.string()).optional(),
  draft: z.looseObject({ title: z.string(), markdown: z.string(), citations: z.array(z.unknown()) }),
  criteria: z.array(z.string()).optional(),
});
export type ReviewerInput = z.infer<typeof ReviewerInput>;

export const ReviewScore = z.object({
  criterion: z.string().min(1),
  /** 0 (fails) to 1 (fully met). */
  score: z.number().min(0).max(1),
  comment: z.string(),
});
export type ReviewScore = z.infer<typeof ReviewScore>;

export const ReviewerOutput = z.object({
  verdict: z.enum(['approve', 'revise']),
  confidence: z.number().min(0).max(1),
  scores: z.array(ReviewScore),
  notes: z.array(z.string()),
});
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
