// docs/grafana-dashboard.json is a valid dashboard whose every query uses metrics the daemon exports.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BgpfoMetrics } from '../../../src/metrics';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { expr: string; refId: string; legendFormat?: string }[];
}

const dash = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'grafana-dashboard.json'), 'utf8')) as {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string }[] };
};

test('the dashboard has the fields Grafana needs, unique panel ids, and panels inside the 24-column grid', () => {
  expect(dash.uid).toBe('bgpfo-overview');
  expect(dash.schemaVersion).toBeGreaterThanOrEqual(36);
  const ids = dash.panels.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const p of dash.panels) {
    expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    if (p.type !== 'row') expect(p.targets?.length).toBeGreaterThan(0);
  }
  expect(dash.templating.list.map((v) => v.name)).toEqual(['datasource', 'job', 'instance', 'neighbor']);
});

test('every query filters on job and instance, every legend names the instance (two routers never mix)', () => {
  for (const p of dash.panels) {
    for (const t of p.targets ?? []) {
      for (const sel of t.expr.match(/\b(?:bgpfo|process|nodejs)_\w+\{[^}]*\}|\b(?:bgpfo|process|nodejs)_\w+(?![\w{])/g) ?? []) {
        expect({ panel: p.title, sel, filtered: sel.includes('job=~"$job"') && sel.includes('instance=~"$instance"') }).toEqual({ panel: p.title, sel, filtered: true });
      }
      // Aggregations keep the instance apart.
      for (const by of t.expr.match(/\b(?:sum|count) by \(([^)]*)\)/g) ?? []) expect({ panel: p.title, by }).toEqual({ panel: p.title, by: expect.stringContaining('instance') });
      expect({ panel: p.title, legend: t.legendFormat }).toEqual({ panel: p.title, legend: expect.stringContaining('{{instance}}') });
    }
  }
});

test('every metric a query uses is one the daemon exports', async () => {
  const m = new BgpfoMetrics();
  const exported = new Set<string>();
  for (const x of await m.registry.getMetricsAsJSON()) {
    exported.add(x.name);
    if (String(x.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(x.name + s);
  }
  const used = new Set<string>();
  for (const p of dash.panels) for (const t of p.targets ?? []) for (const name of t.expr.match(/\b(?:bgpfo|process|nodejs)_\w+/g) ?? []) used.add(name);
  expect(used.size).toBeGreaterThan(15);
  expect([...used].filter((n) => !exported.has(n))).toEqual([]);
  // And the other way round: every bgpfo metric is on the dashboard (bgpfo_info feeds the job variable).
  const bgpfo = [...exported].filter((n) => n.startsWith('bgpfo_') && !/_(bucket|sum|count)$/.test(n) && n !== 'bgpfo_info');
  expect(bgpfo.filter((n) => ![...used].some((u) => u.startsWith(n)))).toEqual([]);
});
