import { z } from 'zod';

/**
 * The output shape of each built-in role. Agents validate their model's answer against these; the engine
 * checks them again on arrival (a mismatch is an INVALID_OUTPUT failure of the attempt, retried per policy).
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

export const CitationSchema = z.object({ source: z.string(), title: z.string(), excerpt: z.string() });
export const FindingSchema = z.object({ summary: z.string(), citation: CitationSchema });

export const PlannerOutputSchema = z.object({
  subQuestions: z.array(z.string().min(1)).min(1),
  approach: z.string(),
});

export const ResearcherOutputSchema = z.object({
  question: z.string(),
  findings: z.array(FindingSchema),
});

export const AnalystOutputSchema = z.object({
  summary: z.string(),
  claims: z.array(
    z.object({ text: z.string(), sources: z.array(z.string()), confidence: z.number().min(0).max(1) }),
  ),
  numbers: z.array(z.object({ label: z.string(), value: z.number(), unit: z.string().optional() })),
});

export const DrafterOutputSchema = z.object({
  title: z.string(),
  markdown: z.string(),
  citations: z.array(z.object({ id: z.int(), source: z.string(), title: z.string() })),
});

export const ReviewerOutputSchema = z.object({
  verdict: z.enum(['approve', 'revise']),
  confidence: z.number().min(0).max(1),
  scores: z.array(z.object({ criterion: z.string(), score: z.number(), comment: z.string() })),
  notes: z.array(z.string()),
});

export const AssistantOutputSchema = z.object({
  answer: z.string(),
  citations: z.array(z.object({ source: z.string(), title: z.string() })),
});

export type Finding = z.infer<typeof FindingSchema>;
export type PlannerOutput = z.infer<typeof PlannerOutputSchema>;
export type ResearcherOutput = z.infer<typeof ResearcherOutputSchema>;
export type AnalystOutput = z.infer<typeof AnalystOutputSchema>;
export type DrafterOutput = z.infer<typeof DrafterOutputSchema>;
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
