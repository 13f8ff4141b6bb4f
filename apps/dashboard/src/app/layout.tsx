import type { ReactNode } from 'react';
import { useConnectionState, useTroupe } from './client-context.js';
import { ConnectionIndicator } from './connection-indicator.js';
import type { Page } from './router.js';

const NAV: ReadonlyArray<{ page: 'tasks' | 'fleet' | 'cost'; label: string; href: string }> = [
  { page: 'tasks', label: 'Tasks', href: '#/tasks' },
  { page: 'fleet', label: 'Fleet', href: '#/fleet' },
  { page: 'cost', label: 'Cost', href: '#/cost' },
];

export function Layout({ page, children }: { page: Page; children: ReactNode }) {
  const { whoami, signOut, connection } = useTroupe();
  const state = useConnectionState(connection);
  const section = page === 'task' ? 'tasks' : page;
  return (
    <div className="shell">
      <header className="topbar">
        <a className="brand" href="#/tasks">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          Troupe
        </a>
        <nav className="nav">
          {NAV.map((n) => (
            <a
              key={n.page}
              href={n.href}
              data-testid={`nav-${n.page}`}
              className={section === n.page ? 'nav-link active' : 'nav-link'}
              aria-current={section === n.page ? 'page' : undefined}
            >
              {n.label}
            </a>
          ))}
        </nav>
        <span className="spacer" />
        <ConnectionIndicator state={state} />
        <span className="who" title={`key "${whoami.name}": ${whoami.scopes.join(', ')}`}>
          <span className="who-tenant" data-testid="whoami">
            {whoami.tenant}
          </span>
          <span className="muted">{whoami.name}</span>
          {whoami.open && (
            <span
              className="badge badge-muted"
              title="The API runs without keys and answers this machine only."
            >
              open
            </span>
          )}
        </span>
        {!whoami.open && (
          <button type="button" className="btn btn-ghost" onClick={() => signOut(null)}>
            Sign out
          </button>
        )}
      </header>
      <main className="page">{children}</main>
    </div>
  );
}
