import type { ConnectionState } from './connection.js';

const LABEL: Record<ConnectionState, string> = {
  live: 'Live',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

const TITLE: Record<ConnectionState, string> = {
  live: 'Every stream of this page is connected: what you see is current.',
  connecting: 'Opening the live streams…',
  reconnecting: 'The connection dropped: reconnecting by itself, then catching up.',
  offline: 'The Troupe API cannot be reached: retrying by itself.',
};

export function ConnectionIndicator({ state }: { state: ConnectionState }) {
  return (
    <span
      className={`conn conn-${state}`}
      data-testid="connection-state"
      data-state={state}
      title={TITLE[state]}
      role="status"
    >
      <span className="conn-dot" aria-hidden="true" />
      {LABEL[state]}
    </span>
  );
}
