// docs/openapi.yaml against the server: the documented operations are exactly the routes the server serves
// (API_ROUTES gates every request), each of them answers on a running daemon, and the answers match the schemas.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { API_ROUTES, matchRoute } from '../../../src/api/routes';
import { parseConfig } from '../../../src/config';
import { startDaemon, type Daemon } from '../../../src/daemon';
import { FakeClock } from '../../../src/util/clock';
import { silent } from '../daemon/helpers';

interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
}

const DOC = parse(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'openapi.yaml'), 'utf8')) as OpenApi;
const documented = Object.entries(DOC.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));

test('the document lists exactly the routes the server serves', () => {
  expect(documented.sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
});

test('the route gate: listed paths pass, other methods 405, anything else 404', () => {
  expect(matchRoute('GET', '/v1/neighbors/tun-a1/adj-rib-out').result).toBe('ok');
  expect(matchRoute('HEAD', '/v1/status').result).toBe('ok');
  expect(matchRoute('POST', '/v1/status')).toEqual({ result: 'method', allowed: ['GET'] });
  expect(matchRoute('GET', '/v1/neighbors/tun-a1/clear').result).toBe('method');
  expect(matchRoute('GET', '/v1/neighbors/a/b/adj-rib-out').result).toBe('path');
  expect(matchRoute('GET', '/v2/status').result).toBe('path');
});

describe('every documented operation answers on a running daemon, as its schema says', () => {
  let dir: string;
  let daemon: Daemon;
  let socket: string;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('date-time', true);
  ajv.addSchema(DOC, 'openapi');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bgpfo-openapi-'));
    socket = join(dir, 'ctl.sock');
    const yaml = `
router: { asn: 65001, router-id: 10.0.0.1 }
originate: [10.1.0.0/16]
control: { socket: ${socket} }
neighbors:
  - { name: lo-peer, address: 127.0.0.1, local-address: 127.0.0.2, remote-asn: 65002, passive: true }
`;
    const file = join(dir, 'bgpfo.yaml');
    writeFileSync(file, yaml);
    daemon = await startDaemon(parseConfig(yaml, file), silent, { clock: new FakeClock(), bgpPort: 0, configPath: file, ops: { defaultMetrics: false, drain: { resolveInterface: async () => undefined } } });
  });
  afterAll(async () => {
    await daemon.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  function call(method: string, path: string, body?: unknown): Promise<{ status: number; type: string; text: string }> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request({ socketPath: socket, method, path, headers: data ? { 'content-type': 'application/json' } : {} }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c;
          // The event stream never ends: one line is enough.
          if (path.startsWith('/v1/events') && text.includes('\n')) req.destroy();
        });
        const done = () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text });
        res.on('end', done);
        res.on('close', done);
      });
      req.on('error', (e) => (path.startsWith('/v1/events') ? undefined : reject(e)));
      req.end(data);
    });
  }

  /** A concrete request for each route, with its expected status. */
  const REQUESTS: Record<string, { path: string; body?: unknown; status: number }> = {
    'GET /v1/status': { path: '/v1/status', status: 200 },
    'GET /v1/routes': { path: '/v1/routes?limit=10', status: 200 },
    'GET /v1/neighbors/{name}': { path: '/v1/neighbors/lo-peer', status: 200 },
    'GET /v1/neighbors/{name}/adj-rib-in': { path: '/v1/neighbors/lo-peer/adj-rib-in?policy=post', status: 200 },
    'GET /v1/neighbors/{name}/adj-rib-out': { path: '/v1/neighbors/lo-peer/adj-rib-out', status: 200 },
    // Not Established: the documented 409.
    'POST /v1/neighbors/{name}/clear': { path: '/v1/neighbors/lo-peer/clear?type=soft-in', status: 409 },
    'GET /v1/events': { path: '/v1/events?since=0', status: 200 },
    'POST /v1/reload': { path: '/v1/reload', body: {}, status: 200 },
    'POST /v1/drain': { path: '/v1/drain', body: { target: 'lo-peer', timeoutS: 0 }, status: 200 },
    'POST /v1/undrain': { path: '/v1/undrain', body: { target: 'lo-peer' }, status: 200 },
  };

  test.each(documented.sort())('%s', async (op) => {
    const r = REQUESTS[op];
    expect(r).toBeDefined();
    const [method, template] = op.split(' ');
    const res = await call(method, r.path, r.body);
    expect({ op, status: res.status }).toEqual({ op, status: r.status });
    const response = DOC.paths[template][method.toLowerCase()].responses[String(r.status)];
    expect(response).toBeDefined();
    const [type, media] = Object.entries(response.content ?? (DOC as unknown as { components: { responses: Record<string, { content: Record<string, { schema: unknown }> }> } }).components.responses.Error.content)[0];
    expect(res.type.startsWith(type)).toBe(true);
    const body = JSON.parse(type === 'application/x-ndjson' ? res.text.split('\n')[0] : res.text) as unknown;
    const ref = (media.schema as { $ref?: string }).$ref;
    const validate = ref ? ajv.getSchema(`openapi${ref}`)! : ajv.compile(media.schema as object);
    const ok = validate(body);
    expect({ op, errors: ok ? null : validate.errors }).toEqual({ op, errors: null });
  });

  test('an undocumented path is a 404 that lists the endpoints; a wrong method a 405', async () => {
    const r = await call('GET', '/v1/nope');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text).error.message).toContain('GET /v1/neighbors/{name}/adj-rib-out');
    expect((await call('DELETE', '/v1/status')).status).toBe(405);
  });
});
