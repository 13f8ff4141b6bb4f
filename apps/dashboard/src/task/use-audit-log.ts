import type { AuditEntry } from '@troupe/client';
import { useEffect, useRef, useState } from 'react';
import { useTroupe } from '../app/client-context.js';
import { describeError } from '../app/describe-error.js';
import { createThrottle, type Throttle } from './throttle.js';

const PAGE = 500;
const REFRESH_MS = 500;

export interface AuditLogState {
  records: readonly AuditEntry[];
  error: string | undefined;
}

/**
 * The task's audit log, read page by page with `after`, and read on from the last record each time `changes`
 * moves (the page passes its event count: every transition writes audit records with its events).
 */
export function useAuditLog(id: string, changes: number): AuditLogState {
  const { client } = useTroupe();
  const [records, setRecords] = useState<AuditEntry[]>([]);
  const [error, setError] = useState<string>();
  const throttle = useRef<Throttle | null>(null);

  useEffect(() => {
    let stopped = false;
    let after: number | undefined;
    let running = false;
    let again = false;
    const pull = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          for (;;) {
            const page = await client.audit(id, { ...(after !== undefined ? { after } : {}), limit: PAGE });
            if (stopped) return;
            const last = page.records.at(-1);
            if (last) {
              const from = after;
              setRecords((before) => [
                ...before,
                ...(from === undefined ? page.records : page.records.filter((r) => r.seq > from)),
              ]);
              after = last.seq;
            }
            setError(undefined);
            if (page.nextAfter === null || page.records.length === 0) break;
            after = page.nextAfter;
          }
        } while (again && !stopped);
      } catch (err) {
        if (!stopped) setError(describeError(err));
      } finally {
        running = false;
      }
    };
    const t = createThrottle(() => void pull(), REFRESH_MS);
    throttle.current = t;
    t.call();
    return () => {
      stopped = true;
      t.dispose();
      throttle.current = null;
    };
  }, [client, id]);

  useEffect(() => {
    if (changes > 0) throttle.current?.call();
  }, [changes]);

  return { records, error };
}
