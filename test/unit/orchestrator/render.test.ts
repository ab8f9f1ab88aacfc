// Renderers: golden trees (fake keys), every rendered config accepted by its own parser (bgpfo's config
// loader, `bird -p`, `vtysh -C`, `wg pubkey`), key handling and file modes, the diagram and the unit.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config';
import { buildPlan } from '../../../src/orchestrator/plan/build';
import { sessionsOf } from '../../../src/orchestrator/plan/sessions';
import type { Plan } from '../../../src/orchestrator/plan/types';
import { renderBgpfoConfig } from '../../../src/orchestrator/render/bgpfo';
import { birdPrefixPattern, renderBirdConfig } from '../../../src/orchestrator/render/bird';
import { renderFrrConfig } from '../../../src/orchestrator/render/frr';
import { renderAll } from '../../../src/orchestrator/render/index';
import { fakeKeySource, publicKeyOf } from '../../../src/orchestrator/render/keys';
import { nodeSetupCommands } from '../../../src/orchestrator/render/setup';
import { distanceToCurve, renderSvg } from '../../../src/orchestrator/render/svg';

type Pos = { x: number; y: number };
import { renderSystemdUnit } from '../../../src/orchestrator/render/systemd';
import { renderWireguard } from '../../../src/orchestrator/render/wireguard';
import { loadTopology } from '../../../src/orchestrator/topology/load';
import { expectTree, FIXTURES, readTree, ROOT, SHIPPED, SHIPPED_ALL, tempDir, VARIANTS } from './helpers';

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const variant = (name: string) => buildPlan(loadTopology(join(FIXTURES, 'topologies', `${name}.yaml`)));
const shipped = (name: string) => buildPlan(loadTopology(join(ROOT, 'topologies', `${name}.yaml`)));
const ALL: [string, Plan][] = [...SHIPPED_ALL.map((n) => [n, shipped(n)] as [string, Plan]), ...VARIANTS.map((n) => [n, variant(n)] as [string, Plan])];
const nodesRunning = (daemon: string) => ALL.flatMap(([name, p]) => p.nodes.filter((n) => n.runs === daemon).map((n) => [`${name}/${n.name}`, p, n.name] as const));

const temps: string[] = [];
const temp = (tag: string) => {
  const d = tempDir(tag);
  temps.push(d);
  return d;
};
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('golden renders', () => {
  it.each(VARIANTS)('%s matches test/fixtures/orchestrator/golden', (name) => {
    const out = temp(name);
    renderAll(variant(name), out, { keys: fakeKeySource() });
    expectTree(out, join(FIXTURES, 'golden', name));
  });
});

describe('bgpfo daemon configs', () => {
  it.each(nodesRunning('bgpfo'))('%s passes the daemon\'s own config validation and matches the plan', (_, plan, node) => {
    const config = parseConfig(renderBgpfoConfig(plan, node), `${node}.yaml`);
    const n = plan.nodes.find((x) => x.name === node)!;
    expect([config.router.asn, config.router.routerId]).toEqual([n.asn, n.routerId]);
    const ends = sessionsOf(plan.sessions, node);
    expect(config.neighbors.map((x) => [x.name, x.address, x.localAddress, x.remoteAsn, x.prepend, x.holdTime, x.role])).toEqual(
      ends.map((e) => [e.local.neighborName, e.remote.address, e.local.address, e.remote.asn, e.local.prepend, e.session.holdTime, e.session.role]),
    );
    for (const [i, x] of config.neighbors.entries()) {
      expect(x.import.allow.map((f) => `${f.prefix}${f.le ? ` le ${f.le}` : ''}`)).toEqual(ends[i].local.import);
      expect(x.ibgp).toBe(ends[i].session.ibgp);
    }
  });

  it('takes the control socket from the caller (one per namespace in the lab)', () => {
    const p = shipped('four-tunnel-active-active');
    expect(parseConfig(renderBgpfoConfig(p, 'r1', { controlSocket: '/run/bgpfo/aa4-r1.sock' }), 'x').control.socket).toBe('/run/bgpfo/aa4-r1.sock');
  });

  it('refuses a node that does not run bgpfo', () => {
    expect(() => renderBgpfoConfig(shipped('eight-tunnel-active-passive'), 'gw1')).toThrow('gw1 runs bird, not bgpfo');
  });
});

(has('bird') ? describe : describe.skip)('BIRD configs (bird -p)', () => {
  const check = (text: string) => {
    const dir = temp('bird');
    writeFileSync(join(dir, 'bird.conf'), text);
    return spawnSync('bird', ['-p', '-c', join(dir, 'bird.conf')], { encoding: 'utf8' });
  };
  it('bird -p can fail (the check means something)', () => expect(check('protocol bgp x { nonsense; }\n').status).not.toBe(0));
  it.each(nodesRunning('bird'))('%s parses', (_, plan, node) => {
    const r = check(renderBirdConfig(plan, node));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

(has('vtysh') ? describe : describe.skip)('FRR configs (vtysh --dryrun)', () => {
  const check = (text: string) => {
    const dir = temp('frr');
    writeFileSync(join(dir, 'frr.conf'), text);
    return spawnSync('vtysh', ['-C', '-f', join(dir, 'frr.conf')], { encoding: 'utf8' });
  };
  it('vtysh -C can fail (the check means something)', () => expect(check('router bgp 65000\n neighbor 10.0.0.1 nonsense\n').status).not.toBe(0));
  it.each(nodesRunning('frr'))('%s parses', (_, plan, node) => {
    const r = check(renderFrrConfig(plan, node));
    expect(r.stdout + r.stderr).not.toMatch(/Unknown command|error/i);
    expect(r.status).toBe(0);
  });

  it('uses BFD only where the plan says so, with its timers', () => {
    const bfd = renderFrrConfig(variant('frr-bfd-ap'), 'hub1');
    expect(bfd).toContain('  receive-interval 50\n  transmit-interval 50\n');
    expect(bfd.match(/ bfd profile tunnel$/gm)).toHaveLength(4);
    const cloud = renderFrrConfig(shipped('cloud-gateway'), 'gw-a');
    expect(cloud).not.toMatch(/bfd/);
    expect(cloud.match(/timers 60 180$/gm)).toHaveLength(2);
  });

  it('prepends and lowers LOCAL_PREF on backup tunnels only', () => {
    const frr = renderFrrConfig(variant('frr-bfd-ap'), 'hub1');
    expect(frr.match(/set as-path prepend 64600 64600 64600$/gm)).toHaveLength(2);
    expect(frr.match(/set local-preference 70$/gm)).toHaveLength(2);
  });
});

describe('BIRD policy', () => {
  it('writes prefix filters as BIRD patterns', () => {
    expect(['10.0.0.0/8', '10.0.0.0/8 le 32', '10.0.0.0/8 le 24', '10.0.0.0/8 ge 16 le 24', '10.0.0.0/8 ge 16'].map(birdPrefixPattern)).toEqual([
      '10.0.0.0/8',
      '10.0.0.0/8+',
      '10.0.0.0/8{8,24}',
      '10.0.0.0/8{16,24}',
      '10.0.0.0/8{16,32}',
    ]);
  });

  it('prepends and lowers LOCAL_PREF on the backup ISP\'s tunnels, with BFD on every tunnel', () => {
    const bird = renderBirdConfig(shipped('eight-tunnel-active-passive'), 'gw1');
    expect(bird.match(/bgp_path.prepend\(65020\); bgp_path.prepend\(65020\); accept;/g)).toHaveLength(2);
    expect(bird.match(/bgp_local_pref = 50;/g)).toHaveLength(2);
    expect(bird.match(/^ {2}bfd on;$/gm)).toHaveLength(4);
    expect(bird).toContain('interface "ap8-t1f", "ap8-t3f", "ap8-t5f", "ap8-t7f" {');
  });

  it('gives the cloud stand-in 60/180 s timers and no BFD', () => {
    const bird = renderBirdConfig(variant('ipsec-real-uplinks'), 'vgw1');
    expect(bird).not.toMatch(/bfd/);
    expect(bird.match(/hold time 180;\n {2}keepalive time 60;/g)).toHaveLength(4);
  });
});

describe('WireGuard configs', () => {
  const plan = shipped('eight-tunnel-active-passive');
  const keys = fakeKeySource();
  const field = (text: string, key: string) => new RegExp(`^${key} = (.*)$`, 'm').exec(text)?.[1];

  it('pairs every end with its peer: keys, endpoint, port, address', () => {
    for (const t of plan.tunnels) {
      const on = renderWireguard(plan, t.onprem.node, keys).find((f) => f.ifname === t.onprem.ifname)!.text;
      const far = renderWireguard(plan, t.far.node, keys).find((f) => f.ifname === t.far.ifname)!.text;
      expect(field(on, 'PublicKey')).toBe(publicKeyOf(field(far, 'PrivateKey')!));
      expect(field(far, 'PublicKey')).toBe(publicKeyOf(field(on, 'PrivateKey')!));
      expect(field(on, 'Endpoint')).toBe(`${t.far.underlay}:${t.far.listenPort}`);
      expect(field(far, 'Endpoint')).toBe(`${t.onprem.underlay}:${t.onprem.listenPort}`);
      expect([field(on, 'Address'), field(far, 'Address')]).toEqual([t.onprem.inner, t.far.inner]);
      expect(field(on, 'FwMark')).toBe(t.isp === 'isp1' ? '0x65' : '0x66');
      expect(field(on, 'Table')).toBe('off');
    }
  });

  (has('wg') ? it : it.skip)('derives public keys exactly as `wg pubkey` does', () => {
    for (const id of ['a/x', 'b/y', 'c/z']) {
      const { privateKey, publicKey } = keys.keyPair(id);
      expect(execFileSync('wg', ['pubkey'], { input: `${privateKey}\n`, encoding: 'utf8' }).trim()).toBe(publicKey);
      const fresh = execFileSync('wg', ['genkey'], { encoding: 'utf8' }).trim();
      expect(publicKeyOf(fresh)).toBe(execFileSync('wg', ['pubkey'], { input: `${fresh}\n`, encoding: 'utf8' }).trim());
    }
  });
});

describe('renderAll', () => {
  const plan = shipped('four-tunnel-active-active');
  const mode = (p: string) => statSync(p).mode & 0o777;

  it('keeps private keys 0600 in 0700 directories, generated once and reused', () => {
    const out = temp('keys');
    const first = renderAll(plan, out);
    expect(first.secretFiles).toContain('nodes/r1/wireguard/aa4-t1o.conf');
    for (const f of first.secretFiles) expect(mode(join(out, f))).toBe(0o600);
    expect(mode(join(out, 'nodes/r1/wireguard'))).toBe(0o700);
    expect(mode(join(out, 'keys/r1/aa4-t1o.key'))).toBe(0o600);
    expect(mode(join(out, 'nodes/r1/setup.sh'))).toBe(0o755);
    expect(readFileSync(join(out, '.gitignore'), 'utf8')).toContain('nodes/*/wireguard/');
    const before = readTree(out);
    renderAll(plan, out);
    expect(readTree(out)).toEqual(before);
  });

  it.each(['keep', 'random'] as const)('with keys: %s, each end holds the public key of the other end\'s private key', (keys) => {
    const out = temp(keys);
    renderAll(plan, out, { keys });
    const conf = (end: { node: string; ifname: string }) => readFileSync(join(out, 'nodes', end.node, 'wireguard', `${end.ifname}.conf`), 'utf8');
    const field = (text: string, key: string) => new RegExp(`^${key} = (.*)$`, 'm').exec(text)![1];
    for (const t of plan.tunnels) {
      expect(field(conf(t.onprem), 'PublicKey')).toBe(publicKeyOf(field(conf(t.far), 'PrivateKey')));
      expect(field(conf(t.far), 'PublicKey')).toBe(publicKeyOf(field(conf(t.onprem), 'PrivateKey')));
    }
  });

  it('makes new keys with keys: random, and none at all with placeholders', () => {
    const a = temp('rand');
    const b = temp('rand');
    renderAll(plan, a, { keys: 'random' });
    renderAll(plan, b, { keys: 'random' });
    const conf = 'nodes/r1/wireguard/aa4-t1o.conf';
    expect(readFileSync(join(a, conf), 'utf8')).not.toBe(readFileSync(join(b, conf), 'utf8'));
    const c = temp('ph');
    const r = renderAll(plan, c, { keys: 'placeholder' });
    const text = readFileSync(join(c, conf), 'utf8');
    expect(text).toContain('PrivateKey = @BGPFO_PRIVATE_KEY(r1/aa4-t1o)@');
    expect(text).toContain('PublicKey = @BGPFO_PUBLIC_KEY(gw1/aa4-t1f)@');
    expect(existsSync(join(c, 'keys'))).toBe(false);
    expect(existsSync(join(c, '.gitignore'))).toBe(false);
    expect(r.files).toContain('aa4.clab.yml');
  });

  it('refuses a non-empty directory it did not write, and replaces its own last render', () => {
    const foreign = temp('foreign');
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    expect(() => renderAll(plan, foreign)).toThrow(/not empty and was not written by bgpfo render/);
    const out = temp('stale');
    renderAll(plan, out, { keys: 'placeholder' });
    mkdirSync(join(out, 'nodes', 'gone'));
    renderAll(plan, out, { keys: 'placeholder' });
    expect(existsSync(join(out, 'nodes', 'gone'))).toBe(false);
  });

  it('writes the plan it rendered', () => {
    const out = temp('plan');
    renderAll(plan, out, { keys: 'placeholder' });
    expect(JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'))).toEqual(plan);
  });
});

describe('diagram', () => {
  it('draws every tunnel, primary solid and backup dashed, coloured by ISP', () => {
    const plan = shipped('eight-tunnel-active-passive');
    const svg = renderSvg(plan);
    const tunnels = svg.match(/<path class="tunnel [^"]*"[^>]*>/g)!;
    expect(tunnels).toHaveLength(8);
    expect(tunnels.filter((t) => t.includes('class="tunnel primary"') && !t.includes('stroke-dasharray'))).toHaveLength(4);
    expect(tunnels.filter((t) => t.includes('class="tunnel backup"') && t.includes('stroke-dasharray="9 6"'))).toHaveLength(4);
    expect(new Set(tunnels.map((t) => /stroke="([^"]+)"/.exec(t)![1])).size).toBe(2);
    // Every node, the lab's internet (the underlay) too, with each router's and gateway's uplinks to it.
    expect(svg.match(/<g class="node /g)).toHaveLength(plan.nodes.length);
    expect(svg).toContain('<g class="node internet" id="node-internet">');
    expect(svg.match(/<line class="uplink"/g)).toHaveLength(plan.links.filter((l) => l.purpose === 'uplink').length);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });

  it.each(SHIPPED)('%s: every tunnel label sits on its own curve, clear of the other tunnels and labels', (name) => {
    const plan = shipped(name);
    const svg = renderSvg(plan);
    const curves = new Map<string, Pos[]>();
    for (const m of svg.matchAll(/<path class="tunnel [^"]*" id="tunnel-([^"]+)" d="M ([\d.-]+) ([\d.-]+) Q ([\d.-]+) ([\d.-]+) ([\d.-]+) ([\d.-]+)"/g)) {
      const id = plan.tunnels.find((t) => t.name === m[1])!.id;
      const n = m.slice(2).map(Number);
      curves.set(id, [{ x: n[0], y: n[1] }, { x: n[2], y: n[3] }, { x: n[4], y: n[5] }]);
    }
    const labels = [...svg.matchAll(/<text class="tunnel-label" data-tunnel="([^"]+)" x="([\d.-]+)" y="([\d.-]+)"/g)].map((m) => ({ id: m[1], x: Number(m[2]), y: Number(m[3]) - 4 }));
    expect(labels.map((l) => l.id).sort()).toEqual(plan.tunnels.map((t) => t.id).sort());
    for (const l of labels) {
      const [a, c, b] = curves.get(l.id)!;
      expect({ id: l.id, onOwn: distanceToCurve(l, a, c, b) < 1 }).toEqual({ id: l.id, onOwn: true });
      for (const [other, [oa, oc, ob]] of curves) {
        if (other === l.id) continue;
        // A label is about 14 px wide: its centre must be farther than that from any other tunnel.
        expect({ label: l.id, other, clear: distanceToCurve(l, oa, oc, ob) >= 14 }).toEqual({ label: l.id, other, clear: true });
      }
      for (const o of labels) if (o !== l) expect(Math.hypot(o.x - l.x, o.y - l.y)).toBeGreaterThan(20);
    }
  });

  it('lists every tunnel with its interfaces, /30 addresses, ISP and underlay ends', () => {
    const plan = shipped('eight-tunnel-active-passive');
    const rows = [...renderSvg(plan).matchAll(/<text class="tunnel-row"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(rows).toHaveLength(8);
    const t4 = plan.tunnels.find((t) => t.id === 't4')!;
    expect(rows[3]).toBe(`t4   ${t4.onprem.node} ${t4.onprem.ifname} ${t4.onprem.inner}  ⇄  ${t4.far.node} ${t4.far.ifname} ${t4.far.inner}  ${t4.isp} (${t4.role})  underlay ${t4.onprem.underlay} ⇄ ${t4.far.underlay}`);
    expect(rows[3]).toMatch(/^t4 {3}r2 ap8-t4o 169\.254\.21\.14\/30 {2}⇄ {2}gw2 ap8-t4f 169\.254\.21\.13\/30 {2}isp1 \(primary\) {2}underlay 198\.18\.0\.10 ⇄ 198\.18\.0\.\d+$/);
  });

  it('greys out tunnels that status reports down', () => {
    const svg = renderSvg(shipped('four-tunnel-active-active'), { tunnelState: { 'r2-gw1-isp1': 'down' } });
    expect(svg).toMatch(/<path class="tunnel primary down" id="tunnel-r2-gw1-isp1"[^>]*stroke="#9ca3af"/);
    expect(svg.match(/class="tunnel primary down"/g)).toHaveLength(1);
  });

  it('escapes text', () => {
    const p = shipped('four-tunnel-active-active');
    expect(renderSvg({ ...p, lab: 'a<b&c' })).toContain('a&lt;b&amp;c');
  });
});

describe('systemd unit and setup commands', () => {
  it('orders the daemon after its WireGuard interfaces', () => {
    const unit = renderSystemdUnit(shipped('four-tunnel-active-active'), 'r1', { bgpfoBin: '/opt/bgpfo/bin/bgpfo' });
    expect(unit).toContain('After=wg-quick@aa4-t1o.service wg-quick@aa4-t2o.service\n');
    expect(unit).toContain('ExecStart=/opt/bgpfo/bin/bgpfo daemon --config /etc/bgpfo/bgpfo.yaml\n');
    expect(unit).toContain('[Install]\nWantedBy=multi-user.target\n');
  });

  it('brings a node up in order: sysctls, addresses, tunnels, routes, rules, daemon', () => {
    const cmds = nodeSetupCommands(shipped('eight-tunnel-active-passive'), 'r2', { configDir: '/cfg' });
    const first = (re: RegExp) => cmds.findIndex((c) => re.test(c));
    expect(first(/^sysctl/)).toBe(1);
    expect(first(/^ip addr add 198\.18/)).toBeLessThan(first(/^wg-quick up/));
    expect(cmds.filter((c) => c.startsWith('wg-quick up /cfg/wireguard/'))).toEqual([
      'wg-quick up /cfg/wireguard/ap8-t3o.conf',
      'wg-quick up /cfg/wireguard/ap8-t4o.conf',
      'wg-quick up /cfg/wireguard/ap8-t7o.conf',
      'wg-quick up /cfg/wireguard/ap8-t8o.conf',
    ]);
    expect(cmds).toContain('ip rule add fwmark 0x66 table 102 priority 1002');
    expect(cmds[cmds.length - 1]).toBe('setsid -f env MALLOC_MMAP_THRESHOLD_=131072 bgpfo daemon --config /cfg/bgpfo.yaml >/run/bgpfo.log 2>&1');
  });

  it('creates bridges and enslaves LAN ports on LAN routers', () => {
    const cmds = nodeSetupCommands(shipped('four-tunnel-active-active'), 'hq-lan', { configDir: '/cfg', runDir: '/run/lab/hq-lan' });
    expect(cmds.slice(cmds.indexOf('ip link add lan0 type bridge'), cmds.indexOf('ip link add lan0 type bridge') + 3)).toEqual([
      'ip link add lan0 type bridge',
      'ip link set lan0 up',
      'ip addr add 10.10.0.1/24 dev lan0',
    ]);
    expect(cmds).toContain('ip link set hq-h1 master lan0');
    expect(cmds[cmds.length - 1]).toBe('bird -c /cfg/bird.conf -s /run/lab/hq-lan/bird.ctl');
  });
});
