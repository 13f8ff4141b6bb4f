import { useEffect, useState } from 'react';

/** The current time, re-read every `intervalMs`; `null` stops the ticking (a finished task's page is still). */
export function useTicker(intervalMs: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (intervalMs === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
