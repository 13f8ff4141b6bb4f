import { formatOffset } from '../views/span-time.js';
import { fractionOf, timeTicks } from '../views/time-axis.js';

/** The waterfall's time axis: offsets from the task's start, and the replay cursor when replaying. */
export function TimeAxisView({
  start,
  end,
  cursor,
}: {
  start: number;
  end: number;
  cursor: number | undefined;
}) {
  const ticks = timeTicks(start, end, 6);
  return (
    <div className="time-axis" aria-hidden="true">
      <div className="time-axis-label">span</div>
      <div className="time-axis-track">
        {ticks.map((tick) => (
          <span
            key={tick.offset}
            className="time-axis-tick"
            style={
              tick.fraction > 0.9
                ? { right: `${(1 - tick.fraction) * 100}%` }
                : { left: `${tick.fraction * 100}%` }
            }
          >
            {formatOffset(tick.offset)}
          </span>
        ))}
        {cursor !== undefined && (
          <span className="time-axis-cursor" style={{ left: `${fractionOf(cursor, start, end) * 100}%` }} />
        )}
      </div>
    </div>
  );
}
