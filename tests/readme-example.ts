// The README's client example, kept here so typecheck proves it matches the client's API.
import { createClient } from '@troupe/client';

export async function readmeExample(): Promise<void> {
  const troupe = createClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env['TROUPE_API_KEY'] });
  const { id } = await troupe.submit('report', {
    question: 'How do JetStream consumers acknowledge messages?',
  });
  for await (const { event } of troupe.events(id)) {
    console.log(event.type, event.stepKey ?? '');
    if (event.type === 'review.requested') await troupe.review(id, 'approve', 'Looks right');
  }
  const { status, result } = await troupe.result(id);
  console.log(status, (result as { document: string }).document);
}
