/**
 * Where the API is, seen from the page: the dashboard is served at `<api>/ui/`, so the API is what comes
 * before `/ui/` (a reverse proxy's path prefix is kept). Served anywhere else, the page's own folder.
 */
export function apiBaseUrl(location: Pick<Location, 'origin' | 'pathname'>): string {
  const path = location.pathname;
  const at = path.lastIndexOf('/ui/');
  if (at !== -1) return location.origin + path.slice(0, at);
  if (path.endsWith('/ui')) return location.origin + path.slice(0, -'/ui'.length);
  return location.origin + path.replace(/\/[^/]*$/, '');
}
