import { describe, expect, it } from 'vitest';
import { createFrameBatcher, type FrameScheduler } from './frame-batcher.js';

/** Frames that run when the test says. */
function manualFrames() {
  let next = 1;
  const queued = new Map<number, () => void>();
  const scheduler: FrameScheduler = {
    request: (cb) => {
      queued.set(next, cb);
      return next++;
    },
    cancel: (h) => void queued.delete(h),
  };
  return {
    scheduler,
    get queued() {
      return queued.size;
    },
    frame() {
      const callbacks = [...queued.values()];
      queued.clear();
      for (const cb of callbacks) cb();
    },
  };
}

describe('createFrameBatcher', () => {
  it('hands over everything pushed within a frame at once, in order, and asks for one frame', () => {
    const frames = manualFrames();
    const flushed: number[][] = [];
    const batcher = createFrameBatcher<number>((items) => flushed.push(items), frames.scheduler);
    for (let i = 0; i < 200; i++) batcher.push(i);
    expect(frames.queued).toBe(1);
    expect(flushed).toEqual([]);
    frames.frame();
    expect(flushed).toHaveLength(1);
    expect(flushed[0]).toEqual(Array.from({ length: 200 }, (_, i) => i));
    batcher.push(200);
    frames.frame();
    expect(flushed).toEqual([expect.any(Array), [200]]);
    frames.frame();
    expect(flushed).toHaveLength(2);
  });

  it('drops what is pending once disposed and ignores later pushes', () => {
    const frames = manualFrames();
    const flushed: string[][] = [];
    const batcher = createFrameBatcher<string>((items) => flushed.push(items), frames.scheduler);
    batcher.push('a');
    batcher.dispose();
    expect(frames.queued).toBe(0);
    batcher.push('b');
    frames.frame();
    expect(flushed).toEqual([]);
  });
});
