/**
 * The dashboard's hash routes: `#/tasks`, `#/tasks/<id>` (`?t=<epoch ms>` for replay), `#/fleet`, `#/cost`.
 * Hash routes need nothing from the server beyond `/ui/` itself.
 */

export type RouteQuery = Readonly<Record<string, string>>;

export type Route =
  | { page: 'tasks'; query: RouteQuery }
  | { page: 'task'; id: string; query: RouteQuery }
  | { page: 'fleet'; query: RouteQuery }
  | { page: 'cost'; query: RouteQuery }
  | { page: 'not-found'; path: string; query: RouteQuery };

export type Page = Route['page'];

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q === -1 ? raw : raw.slice(0, q)).replace(/\/+$/, '');
  const query: RouteQuery = Object.fromEntries(new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)));
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) return { page: 'tasks', query };
  const [head, id, ...rest] = parts;
  if (head === 'tasks' && id === undefined) return { page: 'tasks', query };
  if (head === 'tasks' && id !== undefined && rest.length === 0) {
    const decoded = decode(id);
    if (decoded) return { page: 'task', id: decoded, query };
  }
  if (head === 'fleet' && parts.length === 1) return { page: 'fleet', query };
  if (head === 'cost' && parts.length === 1) return { page: 'cost', query };
  return { page: 'not-found', path: `/${path.replace(/^\/+/, '')}`, query };
}

/** `#/tasks?status=running`: the href of a page, with the query's non-empty entries. */
export function hrefFor(route: Route | { page: 'task'; id: string; query?: RouteQuery }): string {
  const path =
    route.page === 'task'
      ? `/tasks/${encodeURIComponent(route.id)}`
      : route.page === 'not-found'
        ? route.path
        : `/${route.page}`;
  const entries = Object.entries(route.query ?? {}).filter(([, v]) => v !== '');
  return `#${path}${entries.length > 0 ? `?${new URLSearchParams(entries).toString()}` : ''}`;
}

export const taskHref = (id: string, query?: RouteQuery): string =>
  hrefFor({ page: 'task', id, ...(query ? { query } : {}) });
