import { createClient, type TaskEvent } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { KEYS, startTroupe, TEST_KEYS } from './fixtures/troupe.js';

describe("task option humanReview: 'always'", () => {
  it('parks a confident agent review for a person, whose approval completes the task', async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    const writer = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeWriter });
    const reviewer = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeReviewer });
    // The fixture's reviewer approves with confidence 0.8, above the default threshold of 0.5.
    const { id } = await writer.submit(
      'report',
      { question: 'Always a person?' },
      { options: { humanReview: 'always' } },
    );
    let requested: TaskEvent | undefined;
    for await (const { event } of reviewer.events(id)) {
      if (event.type === 'review.requested') {
        requested = event;
        break;
      }
    }
    expect(requested?.data).toMatchObject({ confidence: 0.8, threshold: 0.5, reason: 'always' });
    expect((await reviewer.get(id)).status).toBe('awaiting_review');

    await reviewer.review(id, 'approve', 'checked');
    const done = await reviewer.wait(id, { timeoutMs: 30_000 });
    expect(done.status).toBe('completed');
    expect(done.review?.last).toMatchObject({ verdict: 'approve', by: 'human', reviewer: 'alice' });
  });
});
