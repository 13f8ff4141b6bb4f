import { useEffect, useState } from 'react';
import { FleetPage } from '../fleet/fleet-page.js';
import { TaskPage } from '../task/task-page.js';
import { TasksPage } from '../tasks/tasks-page.js';
import { useNow } from '../lib/use-now.js';
import { PAGE_SOURCE, TroupeProvider, useConnectionState } from './client-context.js';
import { ConnectionIndicator } from './connection-indicator.js';
import { createConnectionStore, type ConnectionStore } from './connection.js';
import { Layout } from './layout.js';
import { lazyPage } from './lazy-page.js';
import type { Route } from './router.js';
import { useSession } from './session.js';
import { SignIn } from './sign-in.js';
import { useRoute } from './use-route.js';

// The task page is in the first bundle: a link to a task should show its trace without a second round
// trip (a 2,000-span trace opened in a new tab took 1.4-2.3 s with it loaded lazily). The charts load on use.
const CostPage = lazyPage(() => import('../cost/cost-page.js').then((m) => m.CostPage));

const TITLES: Record<Route['page'], string> = {
  tasks: 'Tasks',
  task: 'Task',
  fleet: 'Fleet',
  cost: 'Cost',
  'not-found': 'Not found',
};

export function App() {
  const [connection] = useState(createConnectionStore);
  useBrowserOnline(connection);
  const { session, signIn, signOut, retryNow } = useSession(connection);
  const route = useRoute();

  useEffect(() => {
    document.title = `${route.page === 'task' ? route.id : TITLES[route.page]} · Troupe`;
  }, [route]);

  switch (session.kind) {
    case 'checking':
      return (
        <Splash connection={connection}>
          <p className="muted">Connecting to the Troupe API…</p>
        </Splash>
      );
    case 'unreachable':
      return (
        <Splash connection={connection}>
          <Unreachable message={session.message} retryAt={session.retryAt} retryNow={retryNow} />
        </Splash>
      );
    case 'signed-out':
      return <SignIn reason={session.reason} keyTried={session.keyTried} signIn={signIn} />;
    case 'signed-in':
      return (
        <TroupeProvider
          client={session.client}
          whoami={session.whoami}
          connection={connection}
          signOut={signOut}
        >
          <Layout page={route.page}>
            <RoutedPage route={route} connection={connection} />
          </Layout>
        </TroupeProvider>
      );
    default:
      return session satisfies never;
  }
}

function RoutedPage({ route, connection }: { route: Route; connection: ConnectionStore }) {
  const key = route.page === 'task' ? `task:${route.id}` : route.page;
  // What the previous page reported through setConnection does not describe this one.
  useEffect(() => () => connection.forget(PAGE_SOURCE), [connection, key]);
  switch (route.page) {
    case 'tasks':
      return <TasksPage query={route.query} />;
    case 'task':
      return <TaskPage key={route.id} id={route.id} />;
    case 'fleet':
      return <FleetPage />;
    case 'cost':
      return <CostPage query={route.query} />;
    case 'not-found':
      return (
        <div className="empty">
          <h2>Nothing at {route.path}</h2>
          <p>
            <a href="#/tasks">Go to the tasks</a>
          </p>
        </div>
      );
    default:
      return route satisfies never;
  }
}

function Splash({ connection, children }: { connection: ConnectionStore; children: React.ReactNode }) {
  const state = useConnectionState(connection);
  return (
    <div className="splash">
      <div className="splash-card">
        <h1>
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          Troupe
        </h1>
        <ConnectionIndicator state={state} />
        {children}
      </div>
    </div>
  );
}

function Unreachable({
  message,
  retryAt,
  retryNow,
}: {
  message: string;
  retryAt: number;
  retryNow: () => void;
}) {
  const now = useNow(500);
  const seconds = Math.max(0, Math.ceil((retryAt - now) / 1000));
  return (
    <>
      <p className="error-text">{message}</p>
      <p className="muted">
        Is the API running? (<code>pnpm troupe up</code> starts one.) Trying again{' '}
        {seconds > 0 ? `in ${seconds} s` : 'now'}…
      </p>
      <button type="button" className="btn" onClick={retryNow}>
        Retry now
      </button>
    </>
  );
}

function useBrowserOnline(connection: ConnectionStore): void {
  useEffect(() => {
    const update = () => connection.setBrowserOnline(navigator.onLine);
    update();
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, [connection]);
}
