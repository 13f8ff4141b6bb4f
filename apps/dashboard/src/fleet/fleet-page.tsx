import type { Fleet, FleetMember } from '@troupe/client';
import { Fragment, useCallback, useMemo, useState } from 'react';
import { useTroupe } from '../app/client-context.js';
import { describeError, isForbidden } from '../app/describe-error.js';
import { useLiveStream, type StreamOpener } from '../app/use-live-stream.js';
import { formatAge, formatDateTime, formatDuration, formatCount } from '../lib/format.js';
import { useNow } from '../lib/use-now.js';
import { countStates, FLEET_STATES, groupFleet, heartbeatAge } from './fleet-model.js';

interface Received {
  fleet: Fleet;
  /** Browser time the fleet arrived: heartbeat ages count on from here. */
  receivedAt: number;
}

/** Every agent and supervisor the key may see, live from `fleetUpdates()`, by role and host. */
export function FleetPage() {
  const { client, can } = useTroupe();
  const [latest, setLatest] = useState<Received | null>(null);
  const open = useCallback<StreamOpener<Fleet>>((o) => client.fleetUpdates(o), [client]);
  const stream = useLiveStream<Fleet>({
    name: 'fleet',
    open: can('tasks:read') ? open : null,
    onBatch: (items) => setLatest({ fleet: items[items.length - 1]!, receivedAt: Date.now() }),
  });
  const now = useNow(1_000);
  const members = useMemo(() => latest?.fleet.members ?? [], [latest]);
  const groups = useMemo(() => groupFleet(members), [members]);
  const counts = useMemo(() => countStates(members), [members]);

  return (
    <div className="fleet-page">
      <div className="toolbar">
        <h1 className="page-title">Fleet</h1>
        <span className="summary">
          {FLEET_STATES.map((s) => (
            <span key={s} className={`badge fleet-${s}`} title={`${counts[s]} ${s}`}>
              {counts[s]} {s}
            </span>
          ))}
        </span>
        <span className="spacer" />
        {latest && <span className="muted">as of {formatDateTime(latest.fleet.at)}</span>}
      </div>
      {stream.error ? (
        <div className="banner banner-error" role="alert">
          {isForbidden(stream.error) ? 'This API key may not see the fleet. ' : 'The fleet stream stopped: '}
          {describeError(stream.error)}{' '}
          <button type="button" className="btn btn-small" onClick={stream.retry}>
            Retry
          </button>
        </div>
      ) : !can('tasks:read') ? (
        <div className="banner">This API key cannot see the fleet: it lacks the tasks:read scope.</div>
      ) : null}
      <div className="table-wrap">
        <table className="data fleet-table" data-testid="fleet-table">
          <thead>
            <tr>
              <th>Member</th>
              <th>State</th>
              <th className="num">In flight</th>
              <th className="num">Per minute</th>
              <th className="num">Handled</th>
              <th className="num">Heartbeat</th>
              <th className="num">Up</th>
              <th>Version</th>
              <th className="num">PID</th>
            </tr>
          </thead>
          <tbody>
            {groups.length === 0 && (
              <tr>
                <td colSpan={9} className="empty">
                  {latest ? 'No agents or supervisors are running.' : 'Waiting for the fleet…'}
                </td>
              </tr>
            )}
            {groups.map((g) => (
              <Fragment key={g.key}>
                <tr className="group-row">
                  <th colSpan={9} scope="rowgroup">
                    <span className="group-name">{g.kind === 'supervisor' ? 'Supervisors' : g.label}</span>
                    <span className="muted">
                      {' · '}
                      {g.kind === 'supervisor'
                        ? plural(g.count, 'process', 'processes')
                        : plural(g.count, 'agent', 'agents')}
                      {` · ${g.inFlight}/${g.concurrency} in flight`}
                    </span>
                  </th>
                </tr>
                {g.hosts.map((h) => (
                  <Fragment key={h.host}>
                    <tr className="host-row">
                      <td colSpan={9}>
                        <span className="host">{h.host}</span>
                      </td>
                    </tr>
                    {h.members.map((m) => (
                      <MemberRow key={m.id} member={m} latest={latest!} now={now} />
                    ))}
                  </Fragment>
                ))}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function MemberRow({ member: m, latest, now }: { member: FleetMember; latest: Received; now: number }) {
  const age = heartbeatAge(m.lastHeartbeat, latest.fleet.at, latest.receivedAt, now);
  const load = m.concurrency > 0 ? Math.min(1, m.inFlight / m.concurrency) : 0;
  return (
    <tr
      data-testid="fleet-member"
      data-kind={m.kind}
      data-state={m.state}
      data-id={m.id}
      className={`member member-${m.state}`}
    >
      <td
        className="mono ellipsis member-id"
        title={m.roles.length > 0 ? `${m.id} (${m.roles.join(', ')})` : m.id}
      >
        {m.id}
      </td>
      <td>
        <span className={`badge fleet-${m.state}`}>{m.state}</span>
      </td>
      <td className="num">
        <span className="load" title={`${m.inFlight} of ${m.concurrency}`}>
          <span className="load-bar" aria-hidden="true">
            <span style={{ width: `${load * 100}%` }} />
          </span>
          {m.inFlight}/{m.concurrency}
        </span>
      </td>
      <td className="num">{m.perMinute === null ? '–' : m.perMinute.toFixed(m.perMinute < 10 ? 1 : 0)}</td>
      <td className="num">{m.handled === null ? '–' : formatCount(m.handled)}</td>
      <td
        className={`num ${m.state === 'stale' ? 'error-text' : ''}`}
        title={formatDateTime(m.lastHeartbeat)}
      >
        {formatAge(age)}
        {age >= 1_000 ? ' ago' : ''}
      </td>
      <td className="num" title={formatDateTime(m.startedAt)}>
        {formatDuration(latest.fleet.at - m.startedAt + (now - latest.receivedAt))}
      </td>
      <td className="mono">{m.version}</td>
      <td className="num mono">{m.pid ?? '–'}</td>
    </tr>
  );
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
