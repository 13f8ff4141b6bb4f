import { describe, expect, it } from 'vitest';
import { analyse, extractNumbers } from './analyst.js';
import { arithmeticExpression } from './assistant.js';
import { planQuestion } from './planner.js';
import { reviewDraft } from './reviewer.js';
import { keywords } from './text.js';

describe('offline planner', () => {
  it.each([
    [
      'What is JetStream and how does it compare to Kafka?',
      ['What is JetStream?', 'How does JetStream compare to Kafka?'],
    ],
    [
      'What is the impact of remote work on productivity and wellbeing?',
      [
        'What is the impact of remote work on productivity?',
        'What is the impact of remote work on wellbeing?',
      ],
    ],
    [
      'What are the trade-offs of Apache Kafka, RabbitMQ and NATS JetStream for microservices?',
      [
        'What are the trade-offs of Apache Kafka for microservices?',
        'What are the trade-offs of RabbitMQ for microservices?',
        'What are the trade-offs of NATS JetStream for microservices?',
      ],
    ],
    [
      'What are the differences between TCP and UDP?',
      [
        'What are the key characteristics of TCP?',
        'What are the key characteristics of UDP?',
        'What are the differences between TCP and UDP?',
      ],
    ],
    [
      'Why did the Roman Empire fall?',
      [
        'Why did the Roman Empire fall?',
        'What quantitative evidence is there on Roman Empire?',
        'What limitations or counter-evidence exist regarding Roman Empire?',
      ],
    ],
    [
      'Summarise the state of solid-state batteries.',
      [
        'What is known about the state of solid-state batteries?',
        'What quantitative evidence is there on solid-state batteries?',
        'What limitations or counter-evidence exist regarding solid-state batteries?',
      ],
    ],
  ])('splits %j', (question, expected) => {
    const plan = planQuestion(question);
    expect(plan.subQuestions).toEqual(expected);
    expect(plan.approach).toContain(`${expected.length} sub-questions`);
  });

  it('never returns fewer than 2 or more than 5 sub-questions', () => {
    for (const q of [
      'hi',
      'A, B, C, D, E, F and G: how do they compare?',
      'What? Why? How? When? Where? Who? Which one?',
    ]) {
      const n = planQuestion(q).subQuestions.length;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(5);
    }
  });
});

describe('offline analyst', () => {
  it('extracts figures with units and readable labels, skipping years and citation markers', () => {
    expect(
      extractNumbers(
        'In 2024, a JetStream acked publish took a median of 156 µs [1]. Core publish reached 725k msgs/s. ' +
          'Revenue grew 12.5 percent to $1,200. The cluster ran on 3 nodes.',
      ),
    ).toEqual([
      { label: 'JetStream acked publish took a median', value: 156, unit: 'µs' },
      { label: 'Core publish reached', value: 725, unit: 'k msgs/s' },
      { label: 'Revenue grew', value: 12.5, unit: '%' },
      { label: 'Revenue grew', value: 1200, unit: 'USD' },
      { label: 'Cluster ran', value: 3, unit: 'nodes' },
    ]);
  });

  it('merges findings that say the same thing and raises confidence with independent sources', () => {
    const cite = (source: string, excerpt = '') => ({ source, title: source, excerpt });
    const out = analyse('Is Kafka durable?', [
      { summary: 'Kafka replicates partitions across brokers for durability.', citation: cite('a.md') },
      {
        summary: 'Kafka replicates partitions across several brokers for durability.',
        citation: cite('b.md'),
      },
      { summary: 'Kafka may lose data when acks=0 is configured.', citation: cite('c.md') },
    ]);
    expect(out.claims[0]).toEqual({
      text: 'Kafka replicates partitions across brokers for durability.',
      sources: ['a.md', 'b.md'],
      confidence: 0.6,
    });
    expect(out.claims[1]).toMatchObject({ sources: ['c.md'], confidence: 0.35 });
    expect(out.summary).toMatch(
      /^3 findings from 3 sources bear on "Is Kafka durable\?", yielding 2 distinct claims\./,
    );
    expect(analyse('q', []).claims).toEqual([]);
  });
});

describe('offline reviewer', () => {
  it('scores a custom criterion by whether the draft speaks to it', () => {
    const draft = {
      title: 't',
      markdown: '# t\n\n## Costs\n\nThe licence costs 20 USD per seat [1].\n\n## References\n\n1. A — a.md',
      citations: [{ id: 1, source: 'a.md', title: 'A' }],
    };
    const out = reviewDraft({
      question: 'What does it cost?',
      draft,
      criteria: ['mentions licence costs', 'discusses security'],
    });
    expect(out.scores.map((s) => [s.criterion, s.score])).toEqual([
      ['mentions licence costs', 0.9],
      ['discusses security', 0.5],
    ]);
    expect(out.verdict).toBe('revise');
    expect(out.notes).toEqual(['Address the criterion: "discusses security"']);
  });
});

describe('text helpers', () => {
  it('finds arithmetic in questions', () => {
    expect(arithmeticExpression('What is 12 times (3 + 4)?')).toBe('12 * (3 + 4)');
    expect(arithmeticExpression('compute 1,200 / 4 - 7')).toBe('1200 / 4 - 7');
    expect(arithmeticExpression('What is NATS?')).toBeUndefined();
    expect(arithmeticExpression('released in 2024')).toBeUndefined();
  });

  it('stems plurals and drops stopwords', () => {
    expect(keywords('The queues and the policies of brokers')).toEqual(['queue', 'policy', 'broker']);
  });
});
