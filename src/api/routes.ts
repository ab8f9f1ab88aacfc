// Every endpoint of the control API, in one table: the server refuses any path or method not listed here (404/405),
// and docs/openapi.yaml describes exactly these (test/unit/api/openapi.test.ts keeps the two equal).

export interface ApiRoute {
  method: 'GET' | 'POST';
  /** OpenAPI path template: {name} stands for one URL-encoded segment. */
  path: string;
}

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/v1/status' },
  { method: 'GET', path: '/v1/routes' },
  { method: 'GET', path: '/v1/neighbors/{name}' },
  { method: 'GET', path: '/v1/neighbors/{name}/adj-rib-in' },
  { method: 'GET', path: '/v1/neighbors/{name}/adj-rib-out' },
  { method: 'POST', path: '/v1/neighbors/{name}/clear' },
  { method: 'GET', path: '/v1/events' },
  { method: 'POST', path: '/v1/reload' },
  { method: 'POST', path: '/v1/drain' },
  { method: 'POST', path: '/v1/undrain' },
];

function pattern(template: string): RegExp {
  return new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$');
}

const COMPILED = API_ROUTES.map((r) => ({ ...r, re: pattern(r.path) }));

/**
 * Whether the table has this request: 'ok', 'method' (the path exists with other methods: 405), or 'path' (404).
 * HEAD is answered like GET.
 */
export function matchRoute(method: string, path: string): { result: 'ok' | 'method' | 'path'; allowed: string[] } {
  const m = method === 'HEAD' ? 'GET' : method;
  const hits = COMPILED.filter((r) => r.re.test(path));
  if (hits.length === 0) return { result: 'path', allowed: [] };
  const allowed = hits.map((r) => r.method);
  return { result: allowed.includes(m as ApiRoute['method']) ? 'ok' : 'method', allowed };
}
