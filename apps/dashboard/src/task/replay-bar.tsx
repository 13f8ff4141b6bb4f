import { useEffect, useRef, useState } from 'react';
import { formatClockMs, formatOffset } from '../views/span-time.js';
import { nextMark, previousMark, type ReplayRange } from '../views/replay.js';
import { fractionOf } from '../views/time-axis.js';

const SPEEDS = [1, 5, 25] as const;

export interface ReplayBarProps {
  range: ReplayRange;
  /** The replay time; undefined while live. */
  t: number | undefined;
  onChange(t: number | undefined): void;
}

/**
 * ★ The replay controls: a toggle, a scrubber over the task's time (its marks are the supervisor's events),
 * steps to the previous and next event, and play at 1×, 5× or 25×.
 */
export function ReplayBar({ range, t, onChange }: ReplayBarProps) {
  const on = t !== undefined;
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<(typeof SPEEDS)[number]>(5);
  const scrubber = useRef<HTMLInputElement>(null);
  const latest = useRef({ t, range, onChange });
  useEffect(() => {
    latest.current = { t, range, onChange };
  });

  // Read the scrubber natively as well: a value set from outside React (a test driver, an extension) still counts.
  useEffect(() => {
    const input = scrubber.current;
    if (!input) return;
    const read = () => {
      const value = Number(input.value);
      if (Number.isFinite(value) && value !== latest.current.t) latest.current.onChange(value);
    };
    input.addEventListener('input', read);
    input.addEventListener('change', read);
    return () => {
      input.removeEventListener('input', read);
      input.removeEventListener('change', read);
    };
  }, [on]);

  useEffect(() => {
    if (!playing) return;
    let frame = 0;
    let last = performance.now();
    const tick = (now: number) => {
      const { t: current, range: r, onChange: set } = latest.current;
      const next = Math.min(r.end, (current ?? r.start) + (now - last) * speed);
      last = now;
      set(next);
      if (next >= r.end) {
        setPlaying(false);
        return;
      }
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [playing, speed]);

  if (!on) {
    return (
      <div className="replay-bar">
        <button
          type="button"
          className="btn"
          data-testid="replay-toggle"
          aria-pressed={false}
          onClick={() => onChange(range.start)}
          title="Replay: see the steps and the trace as they were at any moment"
        >
          Replay
        </button>
        <span className="muted">Live</span>
      </div>
    );
  }

  const value = Math.min(range.end, Math.max(range.start, t));
  const previous = previousMark(range.marks, value);
  const next = nextMark(range.marks, value);
  return (
    <div className="replay-bar on">
      <button
        type="button"
        className="btn btn-primary"
        data-testid="replay-toggle"
        aria-pressed={true}
        onClick={() => {
          setPlaying(false);
          onChange(undefined);
        }}
        title="Back to live"
      >
        Back to live
      </button>
      <button
        type="button"
        className="btn"
        onClick={() => {
          if (!playing && value >= range.end) onChange(range.start);
          setPlaying(!playing);
        }}
        aria-label={playing ? 'Pause' : 'Play'}
      >
        {playing ? 'Pause' : 'Play'}
      </button>
      <select
        value={speed}
        onChange={(e) => setSpeed(Number(e.target.value) as (typeof SPEEDS)[number])}
        aria-label="Replay speed"
      >
        {SPEEDS.map((s) => (
          <option key={s} value={s}>
            {s}×
          </option>
        ))}
      </select>
      <button
        type="button"
        className="btn"
        disabled={!previous}
        onClick={() => previous && onChange(previous.at)}
        title={previous?.label ?? 'No earlier event'}
      >
        ‹ Event
      </button>
      <div className="replay-track">
        <input
          ref={scrubber}
          type="range"
          data-testid="replay-scrubber"
          min={range.start}
          max={range.end}
          step={1}
          value={value}
          onChange={(e) => onChange(Number(e.target.value))}
          onKeyDown={(e) => {
            // A step of 1 ms is too fine for keys: arrows move 1% of the task, with Shift to the next event.
            if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
            e.preventDefault();
            const forward = e.key === 'ArrowRight';
            if (e.shiftKey) {
              const mark = forward ? next : previous;
              if (mark) onChange(mark.at);
              return;
            }
            const delta = (range.end - range.start) / 100;
            onChange(Math.min(range.end, Math.max(range.start, value + (forward ? delta : -delta))));
          }}
          aria-label="Replay time (arrows: 1%, Shift+arrows: previous or next event)"
          aria-valuetext={formatClockMs(value)}
        />
        <div className="replay-marks" aria-hidden="true">
          {range.marks.map((m, i) => (
            <span
              key={i}
              className={`replay-mark replay-mark-${m.tone}`}
              style={{ left: `${fractionOf(m.at, range.start, range.end) * 100}%` }}
              title={`${formatOffset(m.at - range.start)} ${m.label}`}
            />
          ))}
        </div>
      </div>
      <button
        type="button"
        className="btn"
        disabled={!next}
        onClick={() => next && onChange(next.at)}
        title={next?.label ?? 'No later event'}
      >
        Event ›
      </button>
      <output data-testid="replay-time" data-t={Math.round(value)} className="mono">
        {formatClockMs(value)} <span className="muted">({formatOffset(value - range.start)})</span>
      </output>
    </div>
  );
}
