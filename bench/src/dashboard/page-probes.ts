/**
 * Functions that run inside the dashboard page (handed to playwright's `addInitScript` / `evaluate`, which
 * send their source text): they time what the page paints with `requestAnimationFrame` and
 * `performance.now()` (milliseconds since the navigation started). Each reads the browser's globals through
 * `BrowserGlobals`, as this package compiles without the DOM library, and uses nothing from outside itself.
 */

interface El {
  readonly textContent: string | null;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  scrollTop: number;
  click(): void;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
}

interface BrowserGlobals {
  document: {
    querySelector(selector: string): El | null;
    querySelectorAll(selector: string): ArrayLike<El>;
    readonly scrollingElement: El | null;
  };
  performance: { now(): number };
  requestAnimationFrame(callback: (time: number) => void): number;
  getComputedStyle(el: El): { overflowY: string };
  MutationObserver: new (
    callback: (records: ArrayLike<{ type: string; attributeName: string | null }>) => void,
  ) => {
    observe(target: El, options: Record<string, unknown>): void;
    disconnect(): void;
  };
  PerformanceObserver: new (
    callback: (list: { getEntries(): ArrayLike<{ startTime: number; duration: number }> }) => void,
  ) => {
    observe(options: Record<string, unknown>): void;
  };
  sessionStorage: { setItem(key: string, value: string): void };
  location: { hash: string };
  __render?: RenderMarks;
}

/** When the task page had every span counted and rows on screen, in ms since the navigation (or route change). */
export interface RenderMarks {
  /** The frame after the first `span-row` appeared (it has been painted). */
  firstRowMs?: number;
  /** The frame after `span-count` first showed every span with rows on screen. */
  allMs?: number;
  /** `span-row` elements in the DOM then: a screenful when the list is virtualised. */
  domRows?: number;
  /** Main-thread tasks over 50 ms (the long-task API) until then: count and the longest. */
  longTasks: number;
  longestTaskMs: number;
}

/** Init script: the API key where the dashboard keeps it, so each page opens signed in. */
export function storeApiKey(key: string): void {
  (globalThis as unknown as BrowserGlobals).sessionStorage.setItem('troupe.apiKey', key);
}

/**
 * Watches every frame of the task page until `span-count` shows `spans` and span rows are painted. As an init
 * script (no `hash`) it times from the navigation and leaves its marks in `__render`; with `hash` it first
 * routes the loaded app there (as a click in the task list does) and resolves with marks timed from then.
 */
export function watchTraceRender(o: { spans: number; hash?: string }): Promise<RenderMarks> {
  const g = globalThis as unknown as BrowserGlobals;
  const t0 = o.hash === undefined ? 0 : g.performance.now();
  const marks: RenderMarks = { longTasks: 0, longestTaskMs: 0 };
  g.__render = marks;
  new g.PerformanceObserver((list) => {
    if (marks.allMs !== undefined) return;
    for (const entry of Array.from(list.getEntries())) {
      if (entry.startTime + entry.duration < t0) continue;
      marks.longTasks += 1;
      marks.longestTaskMs = Math.max(marks.longestTaskMs, entry.duration);
    }
  }).observe({ type: 'longtask', buffered: true });
  if (o.hash !== undefined) g.location.hash = o.hash;
  return new Promise((resolve) => {
    let pending: 'first' | 'all' | 'both' | undefined;
    const tick = () => {
      const now = g.performance.now() - t0;
      // Whatever was on screen at the previous frame has been painted by now.
      if (pending === 'first' || pending === 'both') marks.firstRowMs = now;
      if (pending === 'all' || pending === 'both') marks.allMs = now;
      if (marks.allMs !== undefined) return resolve(marks);
      const rows = g.document.querySelectorAll('[data-testid="span-row"]').length;
      const text = g.document.querySelector('[data-testid="span-count"]')?.textContent ?? '';
      const count = Number((/\d[\d,]*/.exec(text)?.[0] ?? '-1').replaceAll(',', ''));
      const first = rows > 0 && marks.firstRowMs === undefined;
      const all = rows > 0 && count >= o.spans;
      if (all) marks.domRows = rows;
      pending = first && all ? 'both' : first ? 'first' : all ? 'all' : undefined;
      g.requestAnimationFrame(tick);
    };
    g.requestAnimationFrame(tick);
  });
}

/** The render marks of the init script, once `allMs` is known (else undefined). */
export function renderMarks(): RenderMarks | undefined {
  const marks = (globalThis as unknown as BrowserGlobals).__render;
  return marks?.allMs === undefined ? undefined : marks;
}

/**
 * Clicks the `index`th `span-row` on screen and resolves with the ms until the frame after `span-detail`
 * showed something new (-1 when nothing changed within 5 s).
 */
export function clickSpanRow(index: number): Promise<number> {
  const g = globalThis as unknown as BrowserGlobals;
  const rows = g.document.querySelectorAll('[data-testid="span-row"]');
  const row = rows[Math.min(index, rows.length - 1)];
  const before = g.document.querySelector('[data-testid="span-detail"]')?.textContent ?? null;
  const t0 = g.performance.now();
  row?.click();
  return new Promise((resolve) => {
    const check = () => {
      const detail = g.document.querySelector('[data-testid="span-detail"]');
      if (detail && detail.textContent !== before)
        g.requestAnimationFrame(() => resolve(g.performance.now() - t0));
      else if (g.performance.now() - t0 > 5_000) resolve(-1);
      else g.requestAnimationFrame(check);
    };
    check();
  });
}

/** Frame intervals while something ran, and what the page showed meanwhile. */
export interface FrameRecord {
  /** Time between consecutive frames, ms. */
  intervals: number[];
  /** Scrolling: pixels the list moved per frame, and its scroll height. */
  pxPerFrame?: number;
  scrollHeight?: number;
  /** Most `span-row` / `task-row` elements in the DOM at once. */
  maxDomRows: number;
  /** Live list: `data-status` changes and other DOM mutations seen on the task list. */
  statusChanges?: number;
  mutations?: number;
}

/**
 * Scrolls the waterfall's scrolling box (or the page, when the waterfall does not scroll by itself) for
 * `durationMs`, recording frame intervals: `pxPerFrame` at every frame (from the top again at the bottom), or
 * without it from top to bottom in `durationMs` (a fling: a new screenful at every frame).
 */
export function scrollWaterfall(o: { durationMs: number; pxPerFrame?: number }): Promise<FrameRecord> {
  const { durationMs } = o;
  const g = globalThis as unknown as BrowserGlobals;
  const root = g.document.querySelector('[data-testid="waterfall"]');
  const boxes = root ? [root, ...Array.from(root.querySelectorAll('*'))] : [];
  const box =
    boxes.find(
      (el) => el.scrollHeight > el.clientHeight + 50 && /auto|scroll/.test(g.getComputedStyle(el).overflowY),
    ) ?? g.document.scrollingElement!;
  box.scrollTop = 0;
  const px = o.pxPerFrame ?? Math.max(60, (box.scrollHeight - box.clientHeight) / (durationMs / 16.7));
  const record: FrameRecord = {
    intervals: [],
    pxPerFrame: px,
    scrollHeight: box.scrollHeight,
    maxDomRows: 0,
  };
  return new Promise((resolve) => {
    let last: number | undefined;
    let started: number | undefined;
    const frame = (time: number) => {
      if (last !== undefined) record.intervals.push(time - last);
      last = time;
      started ??= time;
      record.maxDomRows = Math.max(
        record.maxDomRows,
        g.document.querySelectorAll('[data-testid="span-row"]').length,
      );
      if (time - started >= durationMs) return resolve(record);
      box.scrollTop = box.scrollTop + box.clientHeight >= box.scrollHeight - 1 ? 0 : box.scrollTop + px;
      g.requestAnimationFrame(frame);
    };
    g.requestAnimationFrame(frame);
  });
}

/** Records frame intervals for `durationMs` while the task list updates, and the changes it shows. */
export function watchTaskList(durationMs: number): Promise<FrameRecord> {
  const g = globalThis as unknown as BrowserGlobals;
  const list = g.document.querySelector('[data-testid="task-list"]');
  const record: FrameRecord = { intervals: [], maxDomRows: 0, statusChanges: 0, mutations: 0 };
  const observer = new g.MutationObserver((changes) => {
    for (const change of Array.from(changes)) {
      record.mutations! += 1;
      if (change.type === 'attributes' && change.attributeName === 'data-status') record.statusChanges! += 1;
    }
  });
  if (list) observer.observe(list, { subtree: true, childList: true, characterData: true, attributes: true });
  return new Promise((resolve) => {
    let last: number | undefined;
    let started: number | undefined;
    const frame = (time: number) => {
      if (last !== undefined) record.intervals.push(time - last);
      last = time;
      started ??= time;
      record.maxDomRows = Math.max(
        record.maxDomRows,
        g.document.querySelectorAll('[data-testid="task-row"]').length,
      );
      if (time - started >= durationMs) {
        observer.disconnect();
        return resolve(record);
      }
      g.requestAnimationFrame(frame);
    };
    g.requestAnimationFrame(frame);
  });
}
