import { useEffect, useState } from 'preact/hooks';

/**
 * Pages live in the URL's fragment (`#/live/winston`), so the static host needs no rewrite rules and the
 * fragment never reaches any server or log.
 */
export type Route =
  | { page: 'streams' }
  | { page: 'live'; stream?: string }
  | { page: 'contracts' }
  | { page: 'usage' };

export function parseRoute(hash: string): Route {
  const [page, ...rest] = hash.replace(/^#\/?/, '').split('/');
  switch (page) {
    case 'live':
      return { page: 'live', stream: rest[0] ? decodeURIComponent(rest[0]) : undefined };
    case 'contracts':
      return { page: 'contracts' };
    case 'usage':
      return { page: 'usage' };
    default:
      return { page: 'streams' };
  }
}

export function hrefOf(route: Route): string {
  if (route.page === 'live') return route.stream ? `#/live/${encodeURIComponent(route.stream)}` : '#/live';
  return `#/${route.page}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
