import { z } from 'zod';

/**
 * What each built-in role answers: the contract between the agents that serve a role (they validate their
 * model's answer against it) and the supervisor's built-in workflows (they check it again when the result
 * arrives; a mismatch fails the attempt with INVALID_OUTPUT). Defined once here so the two cannot drift.
 */
export const BuiltinRole = {
  Planner: 'planner',
  Researcher: 'researcher',
  Analyst: 'analyst',
  Drafter: 'drafter',
  Reviewer: 'reviewer',
  Assistant: 'assistant',
} as const;
export type BuiltinRole = (typeof BuiltinRole)[keyof typeof BuiltinRole];

/** The criteria the `report` workflow sends by default (the reviewer also takes any others). */
export const DEFAULT_REVIEW_CRITERIA = [
  'answers the question that was asked',
  'every claim is backed by a cited source',
  'numbers match the analysis',
  'clear structure and plain language',
] as const;

export const PlannerOutputSchema = z.object({
  subQuestions: z.array(z.string().min(1)).min(1).max(8),
  approach: z.string(),
});

export const CitationSchema = z.object({
  /** Where the evidence came from: a path or URL, exactly as the search tool returned it. */
  source: z.string().min(1),
  title: z.string(),
  /** A verbatim passage from the source. */
  excerpt: z.string(),
});
export const FindingSchema = z.object({ summary: z.string().min(1), citation: CitationSchema });

export const ResearcherOutputSchema = z.object({
  question: z.string(),
  findings: z.array(FindingSchema),
});

export const ClaimSchema = z.object({
  text: z.string().min(1),
  /** Sources (as cited in the findings) that support the claim. */
  sources: z.array(z.string()),
  confidence: z.number().min(0).max(1),
});
export const NumberFactSchema = z.object({
  label: z.string().min(1),
  value: z.number(),
  unit: z.string().optional(),
});
export const AnalystOutputSchema = z.object({
  summary: z.string(),
  claims: z.array(ClaimSchema),
  numbers: z.array(NumberFactSchema),
});

export const DrafterCitationSchema = z.object({
  id: z.number().int().min(1),
  source: z.string().min(1),
  title: z.string(),
});
export const DrafterOutputSchema = z.object({
  title: z.string().min(1),
  markdown: z.string().min(1),
  citations: z.array(DrafterCitationSchema),
});

export const ReviewScoreSchema = z.object({
  criterion: z.string().min(1),
  /** 0 (fails) to 1 (fully met). */
  score: z.number().min(0).max(1),
  comment: z.string(),
});
export const ReviewerOutputSchema = z.object({
  verdict: z.enum(['approve', 'revise']),
  confidence: z.number().min(0).max(1),
  scores: z.array(ReviewScoreSchema),
  notes: z.array(z.string()),
});

export const AssistantOutputSchema = z.object({
  answer: z.string().min(1),
  citations: z.array(z.object({ source: z.string().min(1), title: z.string() })),
});

export type PlannerOutput = z.infer<typeof PlannerOutputSchema>;
export type Citation = z.infer<typeof CitationSchema>;
export type Finding = z.infer<typeof FindingSchema>;
export type ResearcherOutput = z.infer<typeof ResearcherOutputSchema>;
export type Claim = z.infer<typeof ClaimSchema>;
export type NumberFact = z.infer<typeof NumberFactSchema>;
export type AnalystOutput = z.infer<typeof AnalystOutputSchema>;
export type DrafterCitation = z.infer<typeof DrafterCitationSchema>;
export type DrafterOutput = z.infer<typeof DrafterOutputSchema>;
export type ReviewScore = z.infer<typeof ReviewScoreSchema>;
export type ReviewerOutput = z.infer<typeof ReviewerOutputSchema>;
export type AssistantOutput = z.infer<typeof AssistantOutputSchema>;

export const roleOutputSchemas = {
  planner: PlannerOutputSchema,
  researcher: ResearcherOutputSchema,
  analyst: AnalystOutputSchema,
  drafter: DrafterOutputSchema,
  reviewer: ReviewerOutputSchema,
  assistant: AssistantOutputSchema,
} as const satisfies Record<BuiltinRole, z.ZodType>;
