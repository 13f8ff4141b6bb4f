import type {
  AnalystOutput,
  DrafterOutput,
  PlannerOutput,
  ResearcherOutput,
  ReviewerOutput,
} from '@troupe/bus';

/** Outputs shaped like real agents' (a few hundred bytes each), for tests of the built-in workflows. */
export const reportFixtures = {
  plan(subQuestions: string[]): PlannerOutput {
    return {
      subQuestions,
      approach: 'Research each sub-question from primary sources, then compare the figures.',
    };
  },
  research(question: string, n = 2): ResearcherOutput {
    return {
      question,
      findings: Array.from({ length: n }, (_, i) => ({
        summary: `Finding ${i + 1} on "${question}": adoption grew steadily between 2021 and 2024.`,
        citation: {
          source: `https://example.org/${encodeURIComponent(question.slice(0, 12))}/${i + 1}`,
          title: `Source ${i + 1} for ${question.slice(0, 30)}`,
          excerpt: 'Usage rose from 12% to 31% of surveyed teams over the period, led by mid-size firms.',
        },
      })),
    };
  },
  analysis(): AnalystOutput {
    return {
      summary: 'Adoption roughly doubled; cost is the main barrier cited by small teams.',
      claims: [
        { text: 'Adoption rose from 12% to 31%.', sources: ['https://example.org/a/1'], confidence: 0.8 },
        {
          text: 'Cost is the main barrier for small teams.',
          sources: ['https://example.org/b/2'],
          confidence: 0.6,
        },
      ],
      numbers: [{ label: 'adoption 2024', value: 31, unit: '%' }],
    };
  },
  draft(round = 1): DrafterOutput {
    return {
      title: `Adoption report (draft ${round})`,
      markdown: `# Adoption report\n\nAdoption rose from 12% to 31% [1]. Cost remains the main barrier for small teams [2].\n\n${'Further detail on methods and regional differences. '.repeat(6)}`,
      citations: [
        { id: 1, source: 'https://example.org/a/1', title: 'Source 1' },
        { id: 2, source: 'https://example.org/b/2', title: 'Source 2' },
      ],
    };
  },
  review(verdict: 'approve' | 'revise', confidence: number, notes: string[] = []): ReviewerOutput {
    return {
      verdict,
      confidence,
      scores: [
        { criterion: 'answers the question', score: 0.8, comment: 'Direct answer in the first paragraph.' },
        { criterion: 'citations', score: verdict === 'approve' ? 1 : 0.6, comment: 'Most claims cited.' },
      ],
      notes,
    };
  },
};
