import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { artifactsDir, launchChromium, screenshot, type LaunchedBrowser } from './fixtures/browser.js';
import { startDashboardTroupe, type DashboardTroupe, type TestKey } from './fixtures/dashboard-troupe.js';

const ACME: TestKey = {
  key: 'acme-dashboard-key-0123456789',
  tenant: 'acme',
  scopes: ['tasks:read', 'tasks:write', 'review'],
};
const GLOBEX: TestKey = {
  key: 'globex-dashboard-key-012345678',
  tenant: 'globex',
  scopes: ['tasks:read', 'tasks:write', 'review'],
};

/** Generous bounds for what the page shows by itself; nothing here sleeps. */
const SHOWN = { timeout: 20_000 };
const ARTIFACTS = artifactsDir('dashboard');

/** The browser globals the functions run in the page use (this package compiles without the DOM library). */
interface InPage {
  document: {
    querySelector(selector: string): {
      textContent: string | null;
      getAttribute(name: string): string | null;
    } | null;
  };
  /** Set by the hostile payload, should it ever run. */
  __pwned?: unknown;
}

/** What the task page shows now: the span count and the task's status. */
interface TaskPageState {
  count: number;
  status: string | null;
}

/** What `waitForTaskPage` waits for: a span count above a number, a status, or both. */
interface TaskPageCondition {
  countAbove?: number;
  status?: string;
}

/** Waits (checking on every frame) until the task page shows what `until` asks for, and returns what it shows. */
async function waitForTaskPage(page: Page, until: TaskPageCondition): Promise<TaskPageState> {
  const handle = await page.waitForFunction(
    (until) => {
      const { document } = globalThis as unknown as InPage;
      const countText = document.querySelector('[data-testid="span-count"]')?.textContent ?? '';
      const digits = /\d[\d,]*/.exec(countText)?.[0];
      const count = digits === undefined ? -1 : Number(digits.replaceAll(',', ''));
      const status =
        document.querySelector('[data-testid="task-status"]')?.getAttribute('data-status') ?? null;
      const ok =
        (until.countAbove === undefined || count > until.countAbove) &&
        (until.status === undefined || status === until.status);
      return ok ? { count, status } : undefined;
    },
    until,
    SHOWN,
  );
  return (await handle.jsonValue()) as TaskPageState;
}

const connectionState = (page: Page) =>
  page.getByTestId('connection-state').first().getAttribute('data-state');

/** Signs in on the sign-in screen and waits for the tasks page. */
async function signIn(page: Page, key: string): Promise<void> {
  await page.getByTestId('signin-key').fill(key);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('task-list').waitFor(SHOWN);
}

/** The distinct spans of a task's trace as the API reads them. */
async function serverSpanCount(troupe: DashboardTroupe, id: string): Promise<number> {
  const { status, body } = await troupe.request('GET', `/v1/tasks/${id}/trace`, ACME.key);
  expect(status).toBe(200);
  return new Set((body as { spans: Array<{ spanId: string }> }).spans.map((s) => s.spanId)).size;
}

describe('the dashboard in Chromium against a troupe of separate processes', () => {
  let troupe!: DashboardTroupe;
  let chromium!: LaunchedBrowser;
  const contexts: BrowserContext[] = [];
  /** The report task tenant acme submitted from the page. */
  let reportId: string | undefined;
  const shots: string[] = [];

  const newPage = async () => {
    const context = await chromium.browser.newContext({ viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    onTestFailed(async () => {
      await screenshot(page, ARTIFACTS, `failed-${contexts.length}`).catch(() => undefined);
      process.stderr.write(`page errors: ${JSON.stringify(errors)}\n${troupe.output()}\n`);
    });
    return { page, errors };
  };
  const shoot = async (page: Page, name: string) => shots.push(await screenshot(page, ARTIFACTS, name));

  beforeAll(async () => {
    const [started, launched] = await Promise.allSettled([
      startDashboardTroupe({ keys: [ACME, GLOBEX], modelLatencyMs: 400 }),
      launchChromium(),
    ]);
    // Whichever started is kept for afterAll to dispose, even when the other failed.
    if (started.status === 'fulfilled') troupe = started.value;
    if (launched.status === 'fulfilled') chromium = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
  }, 60_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await chromium?.[Symbol.asyncDispose]();
    await troupe?.[Symbol.asyncDispose]();
    if (shots.length > 0) process.stdout.write(`dashboard screenshots:\n  ${shots.join('\n  ')}\n`);
  });

  it('signs in, submits a report from the form, follows it live through an API restart, approves its review and shows the result', async () => {
    const { page, errors } = await newPage();
    await page.goto(troupe.dashboardUrl);

    // A wrong key: the sign-in screen says why.
    await page.getByTestId('signin-form').waitFor(SHOWN);
    await shoot(page, '01-signin');
    await page.getByTestId('signin-key').fill('not-a-key-of-this-api-0000');
    await page.getByTestId('signin-submit').click();
    await expect.poll(() => page.getByTestId('signin-reason').textContent(), SHOWN).toMatch(/not valid/i);
    await shoot(page, '02-signin-wrong-key');

    await signIn(page, ACME.key);
    await expect.poll(() => page.getByTestId('whoami').textContent(), SHOWN).toContain(ACME.tenant);
    await expect.poll(() => connectionState(page), SHOWN).toBe('live');

    // The submit form, generated from the report workflow's input schema.
    const form = page.getByTestId('submit-form');
    await form.getByTestId('submit-workflow').selectOption('report');
    await form
      .locator('[name="input.question"]')
      .fill('How do NATS JetStream consumers acknowledge messages?');
    await form.getByTestId('submit-human-review').check();
    await shoot(page, '03-submit-form');
    await form.getByTestId('submit-button').click();
    await page.waitForURL(/#\/tasks\/[^/?]+/, SHOWN);
    reportId = decodeURIComponent(/#\/tasks\/([^/?]+)/.exec(page.url())![1]!);
    await expect.poll(() => page.getByTestId('task-id').textContent(), SHOWN).toContain(reportId);

    // Spans appear while the task runs: the count is read twice, growing, before the review.
    const first = await waitForTaskPage(page, { countAbove: 0 });
    expect(['queued', 'running']).toContain(first.status);
    const second = await waitForTaskPage(page, { countAbove: first.count });
    expect(['queued', 'running']).toContain(second.status);
    await page.getByTestId('step-graph').getByTestId('step-node').first().waitFor(SHOWN);
    expect(await page.getByTestId('waterfall').getByTestId('span-row').count()).toBeGreaterThan(0);
    await shoot(page, '04-task-running');

    // The API dies while the page is open: the page says so, and comes back by itself.
    await troupe.killApi();
    await expect.poll(() => connectionState(page), SHOWN).toMatch(/^(reconnecting|offline|connecting)$/);
    await shoot(page, '05-api-down');
    await troupe.startApi();
    await expect.poll(() => connectionState(page), SHOWN).toBe('live');

    // It still updates: the task parks for a person, with every span the API has.
    const parked = await waitForTaskPage(page, { status: 'awaiting_review' });
    expect(parked.count).toBeGreaterThanOrEqual(second.count);
    await page.getByTestId('review-panel').waitFor(SHOWN);
    const stored = await serverSpanCount(troupe, reportId);
    await waitForTaskPage(page, { countAbove: stored - 1 });
    await shoot(page, '06-awaiting-review-after-restart');

    // Approve from the page: the task completes and its report renders as Markdown.
    await page.getByTestId('review-notes').fill('Checked in the browser test.');
    await page.getByTestId('review-approve').click();
    await waitForTaskPage(page, { status: 'completed' });
    await expect.poll(() => page.getByTestId('review-panel').count(), SHOWN).toBe(0);
    const result = page.getByTestId('result');
    await result.locator('h1').first().waitFor(SHOWN);
    await expect.poll(() => result.locator('h2').allTextContents(), SHOWN).toContain('References');
    // Each span counted once: never more than the API knows, after the restart's resumed stream too.
    const shown = (await waitForTaskPage(page, { countAbove: -1 })).count;
    expect(shown).toBeLessThanOrEqual(await serverSpanCount(troupe, reportId));
    await page.getByTestId('audit-log').getByTestId('audit-row').first().waitFor(SHOWN);
    await result.scrollIntoViewIfNeeded();
    await shoot(page, '07-completed-result');

    // The tasks page lists it, live.
    await page.getByTestId('nav-tasks').click();
    const row = page.locator(`[data-testid="task-row"][data-task-id="${reportId}"]`);
    await expect.poll(() => row.getAttribute('data-status'), SHOWN).toBe('completed');
    await shoot(page, '08-tasks');
    expect(errors).toEqual([]);
  }, 75_000);

  it("another tenant's key sees none of it: no task in the list, not found at the task's URL", async () => {
    expect(reportId, 'the first test submitted a task').toBeDefined();
    const { page, errors } = await newPage();
    await page.goto(troupe.dashboardUrl);
    await page.getByTestId('signin-form').waitFor(SHOWN);
    await signIn(page, GLOBEX.key);
    await expect.poll(() => page.getByTestId('whoami').textContent(), SHOWN).toContain(GLOBEX.tenant);
    await expect.poll(() => connectionState(page), SHOWN).toBe('live');
    await page.locator('[data-testid="task-list"][data-synced="true"]').waitFor(SHOWN);
    expect(await page.getByTestId('task-row').count()).toBe(0);
    expect(await page.getByTestId('task-count').textContent()).toMatch(/^\D*0\b/);
    await shoot(page, '09-other-tenant-tasks');

    await page.goto(`${troupe.dashboardUrl}#/tasks/${encodeURIComponent(reportId!)}`);
    // The API's 404 detail ("No task … exists for this API key's tenant") in place of the task.
    await page
      .getByTestId('task-load-error')
      .filter({ hasText: /no task .*exists|not found/i })
      .waitFor(SHOWN);
    expect(await page.getByTestId('task-status').count()).toBe(0);
    expect(await page.getByTestId('waterfall').count()).toBe(0);
    await shoot(page, '10-other-tenant-not-found');
    expect(errors).toEqual([]);
  }, 30_000);

  it('renders hostile model output as inert text: no script, no event handler, no javascript: link', async () => {
    const hostile =
      'Is <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> ' +
      '[safe](javascript:window.__pwned=3) <a href="javascript:window.__pwned=4">link</a> harmless?';
    // The offline model writes the question into the report's title and headings: the page renders it.
    const submitted = await troupe.request('POST', '/v1/tasks', ACME.key, {
      workflow: 'report',
      input: { question: hostile },
      options: { reviewThreshold: 0 },
    });
    expect(submitted.status).toBe(202);
    const id = (submitted.body as { id: string }).id;

    const { page, errors } = await newPage();
    const ui = await page.goto(troupe.dashboardUrl);
    expect(ui?.headers()['content-security-policy']).toBeTruthy();
    await signIn(page, ACME.key);
    await page.goto(`${troupe.dashboardUrl}#/tasks/${encodeURIComponent(id)}`);
    await waitForTaskPage(page, { status: 'completed' });
    const result = page.getByTestId('result');
    await result.locator('h1').first().waitFor(SHOWN);
    await result.scrollIntoViewIfNeeded();
    await shoot(page, '11-hostile-output');

    // Rendered as text…
    await expect.poll(() => result.textContent(), SHOWN).toContain('<script>window.__pwned=2</script>');
    expect(await result.textContent()).toContain('onerror="window.__pwned=1"');
    // …and inert.
    expect(await result.locator('script').count()).toBe(0);
    expect(await result.locator('img[onerror], [onerror], [onclick], [onload]').count()).toBe(0);
    const hrefs = await result
      .locator('a[href]')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.filter((h) => /^\s*javascript:/i.test(h))).toEqual([]);
    expect(await page.evaluate(() => (globalThis as unknown as InPage).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
  }, 45_000);
});
