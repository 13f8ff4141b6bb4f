import { AnalystOutputSchema, ClaimSchema, NumberFactSchema } from '@troupe/bus';
import { z } from 'zod';
import { defineRole } from './role.js';

export const AnalystInput = z.looseObject({
  question: z.string().min(1),
  findings: z.array(z.looseObject({ summary: z.string(), citation: z.looseObject({ source: z.string() }) })),
});
export type AnalystInput = z.infer<typeof AnalystInput>;

export const Claim = ClaimSchema;
export type Claim = z.infer<typeof Claim>;

export const NumberFact = NumberFactSchema;
export type NumberFact = z.infer<typeof NumberFact>;

export const AnalystOutput = AnalystOutputSchema;
export type AnalystOutput = z.infer<typeof AnalystOutput>;

export const analyst = defineRole({
  name: 'analyst',
  description: 'Weighs the research findings: claims with confidence, and the figures they contain.',
  instructions: `You are an analyst. The step input holds the question and the researchers' findings, each with a
citation. Merge findings that say the same thing into one claim and list every supporting source. Set "confidence"
between 0 and 1 from the evidence: one source is weak, several independent sources that agree are strong,
contradicting sources lower it. Extract the quantitative figures the findings state (label, value, unit) without
converting or inventing any. Use the calculator tool only for arithmetic you need. Write a short "summary" of what
the evidence does and does not establish. Do not add facts that are not in the findings.`,
  input: AnalystInput,
  output: AnalystOutput,
  tools: ['calculator'],
});
