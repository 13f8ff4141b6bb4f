// Submits a `report` task to a running troupe, prints its events as they happen, approves the review it asks
// for, and prints the finished document. TROUPE_API_URL and TROUPE_API_KEY say where the API is and who you are.
import { createClient } from '@troupe/client';

const question = process.argv[2] ?? 'How do NATS JetStream consumers acknowledge messages?';
const troupe = createClient({
  baseUrl: process.env['TROUPE_API_URL'] ?? 'http://127.0.0.1:3000',
  apiKey: process.env['TROUPE_API_KEY'],
});

// `humanReview: 'always'` makes the reviewer's verdict wait for a person, so that this program approves it.
const { id } = await troupe.submit('report', { question }, { options: { humanReview: 'always' } });
console.log(`submitted ${id}`);

// Stored events first, then live ones, until the task's final event; a dropped connection resumes by itself.
for await (const { event } of troupe.events(id)) {
  if (event.type === 'model.delta') continue; // streamed model output, a few words each: too many to print
  console.log(event.stepKey ? `${event.type} ${event.stepKey}` : event.type);
  if (event.type === 'review.requested') {
    await troupe.review(id, 'approve', 'Approved by submit-and-follow.ts');
    console.log('  approved');
  }
}

const { status, result, error, usage } = await troupe.result(id);
console.log(`\n${status} · ${usage.inputTokens} input and ${usage.outputTokens} output tokens\n`);
if (status !== 'completed') {
  console.error(`the task ended ${status}: ${error?.message ?? 'no reason given'}`);
  process.exit(1);
}
console.log((result as { document: string }).document);
