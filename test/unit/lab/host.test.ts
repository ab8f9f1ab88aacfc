// `bgpfo up --node` planning: what it changes on a router host given what the host has, each change with its
// undo, systemd or a background process, kernel WireGuard or wireguard-go, and the dry run that changes nothing.

import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bgpfoNode, describeActions, hostActions, routeKey, type HostFacts, type HostPlanOptions } from '../../../src/host/actions';
import { hostDown, hostUp } from '../../../src/host/host';
import { RecordingRunner } from '../../../src/lab/exec';
import type { Plan } from '../../../src/orchestrator';
import { AA4, AP8, CGW, plan } from './helpers';

const PATHS = { configDir: '/etc/bgpfo', runDir: '/run/bgpfo', stateDir: '/var/lib/bgpfo', unitDir: '/etc/systemd/system' };

function opts(p: Plan, node: string, over: Partial<HostPlanOptions> = {}): HostPlanOptions {
  const n = p.nodes.find((x) => x.name === node)!;
  const wireguard = Object.fromEntries(n.interfaces.filter((i) => i.kind === 'wireguard').map((i) => [i.name, `[Interface]\nPrivateKey = K\nAddress = ${i.addresses[0]}\nMTU = 1420\nTable = off\n\n[Peer]\nPublicKey = P\n`]));
  return { paths: PATHS, service: 'auto', bgpfoCommand: ['/usr/local/bin/bgpfo'], files: { bgpfoYaml: 'router: {}\n', wireguard, systemdUnit: '[Unit]\n' }, ...over };
}

/** A host that has r1's physical interfaces with no addresses, default sysctls, no systemd. */
function bareFacts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    interfaces: { lo: ['127.0.0.1/8'], lan: [], 'ib-r2': [], 'up-isp1': [], 'up-isp2': [] },
    sysctls: { 'net.ipv4.ip_forward': '0', 'net.ipv4.conf.all.rp_filter': '2', 'net.ipv4.conf.default.rp_filter': '0', 'net.ipv4.fib_multipath_hash_policy': '0' },
    routes: [],
    rulePriorities: [0, 32766, 32767],
    kernelWireguard: false,
    systemd: false,
    existingFiles: [],
    ...over,
  };
}

describe('hostActions', () => {
  const p = plan(AA4);
  const r1 = bgpfoNode(p, 'r1');

  it('brings r1 up on a bare host: sysctls, addresses, config, WireGuard via wireguard-go, routes, daemon', () => {
    const { actions, problems } = hostActions(p, r1, bareFacts(), opts(p, 'r1'));
    expect(problems).toEqual([]);
    expect(describeActions(actions, 'up').map((l) => l.split('    #')[0])).toEqual([
      'sysctl -qw net.ipv4.ip_forward=1',
      'sysctl -qw net.ipv4.conf.all.rp_filter=0',
      'sysctl -qw net.ipv4.fib_multipath_hash_policy=1',
      'ip addr add 10.255.0.2/30 dev lan',
      'ip addr add 10.255.0.17/30 dev ib-r2',
      'ip addr add 198.18.0.2/30 dev up-isp1',
      'write /etc/bgpfo/bgpfo.yaml (mode 644, 1 lines)',
      'write /etc/bgpfo/wireguard/aa4-t1o.conf (mode 600, 8 lines)',
      'write /etc/bgpfo/wireguard/aa4-t1o.setconf (mode 600, 5 lines)',
      'wireguard-go aa4-t1o',
      'wg setconf aa4-t1o /etc/bgpfo/wireguard/aa4-t1o.setconf',
      'ip addr add 169.254.21.2/30 dev aa4-t1o',
      'ip link set aa4-t1o mtu 1420',
      'ip link set aa4-t1o up',
      'write /etc/bgpfo/wireguard/aa4-t2o.conf (mode 600, 8 lines)',
      'write /etc/bgpfo/wireguard/aa4-t2o.setconf (mode 600, 5 lines)',
      'wireguard-go aa4-t2o',
      'wg setconf aa4-t2o /etc/bgpfo/wireguard/aa4-t2o.setconf',
      'ip addr add 169.254.21.6/30 dev aa4-t2o',
      'ip link set aa4-t2o mtu 1420',
      'ip link set aa4-t2o up',
      'ip route add 198.18.0.10/32 via 198.18.0.1 dev up-isp1',
      'ip route add 198.18.0.14/32 via 198.18.0.1 dev up-isp1',
      'env MALLOC_MMAP_THRESHOLD_=131072 /usr/local/bin/bgpfo daemon --config /etc/bgpfo/bgpfo.yaml >/run/bgpfo/bgpfo.log 2>&1 &  (pid in /run/bgpfo/bgpfo.pid)',
    ]);
    const setconf = actions.find((a) => a.kind === 'file' && a.path.endsWith('aa4-t1o.setconf'));
    expect(setconf).toMatchObject({ mode: 0o600, content: '[Interface]\nPrivateKey = K\n\n[Peer]\nPublicKey = P\n' });
  });

  it('down undoes each change in reverse, putting sysctls back to what they were and leaving untouched what was there', () => {
    const { actions } = hostActions(p, r1, bareFacts({ interfaces: { lan: ['10.255.0.2/30'], 'ib-r2': [], 'up-isp1': [] }, sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.rp_filter': '2', 'net.ipv4.conf.default.rp_filter': '0', 'net.ipv4.fib_multipath_hash_policy': '1' } }), opts(p, 'r1'));
    const down = describeActions(actions, 'down').map((l) => l.split('    #')[0]);
    expect(down[0]).toBe('kill $(cat /run/bgpfo/bgpfo.pid)');
    expect(down).toContain('ip link del aa4-t1o');
    expect(down).toContain('rm /etc/bgpfo/wireguard/aa4-t1o.conf');
    expect(down.slice(-3)).toEqual(['ip addr del 198.18.0.2/30 dev up-isp1', 'ip addr del 10.255.0.17/30 dev ib-r2', 'sysctl -qw net.ipv4.conf.all.rp_filter=2']);
    // Already right: the lan address and ip_forward are neither set nor undone.
    expect(down.join('\n')).not.toMatch(/10\.255\.0\.2\/30|ip_forward/);
  });

  it('uses the kernel module when there is one, and systemd when it runs, and keeps a config it replaces', () => {
    const { actions } = hostActions(p, r1, bareFacts({ kernelWireguard: true, systemd: true, existingFiles: ['/etc/bgpfo/bgpfo.yaml'] }), opts(p, 'r1'));
    const up = describeActions(actions, 'up').map((l) => l.split('    #')[0]);
    expect(up).toContain('ip link add aa4-t1o type wireguard');
    expect(up).not.toContain('wireguard-go aa4-t1o');
    expect(up.slice(-3)).toEqual(['write /etc/systemd/system/bgpfo.service (mode 644, 1 lines)', 'systemctl daemon-reload', 'systemctl enable --now bgpfo.service']);
    expect(up).toContain('mv /etc/bgpfo/bgpfo.yaml /etc/bgpfo/bgpfo.yaml.bgpfo-saved; write /etc/bgpfo/bgpfo.yaml (mode 644, 1 lines)');
    const down = describeActions(actions, 'down').map((l) => l.split('    #')[0]);
    expect(down[0]).toBe('systemctl disable --now bgpfo.service');
    expect(down).toContain('mv /etc/bgpfo/bgpfo.yaml.bgpfo-saved /etc/bgpfo/bgpfo.yaml');
    // --service process overrides a running systemd.
    expect(hostActions(p, r1, bareFacts({ systemd: true }), opts(p, 'r1', { service: 'process' })).actions.some((a) => a.kind === 'daemon')).toBe(true);
  });

  it('reports what the host lacks instead of half-applying: a missing interface, a taken rule priority', () => {
    const ap = plan(AP8);
    const { problems } = hostActions(ap, bgpfoNode(ap, 'r1'), bareFacts({ interfaces: { lan: [], 'up-isp1': [] }, rulePriorities: [0, 1001] }), opts(ap, 'r1'));
    expect(problems).toEqual([
      "r1 needs an interface named ib-r2 (twin) and this host has none; rename the host's interface (ip link set DEV name ib-r2) or adjust the topology",
      "r1 needs an interface named up-isp2 (uplink, isp2) and this host has none; rename the host's interface (ip link set DEV name up-isp2) or adjust the topology",
      'ip rule priority 1001 is taken on this host; bgpfo needs it for fwmark 0x65 -> table 101',
    ]);
  });

  it('skips routes the host already has, and adds policy rules with their undo', () => {
    const ap = plan(AP8);
    const n = bgpfoNode(ap, 'r1');
    const have = [routeKey(n.routes[0])];
    const { actions } = hostActions(ap, n, bareFacts({ routes: have }), opts(ap, 'r1'));
    const up = describeActions(actions, 'up').map((l) => l.split('    #')[0]);
    expect(up.filter((l) => l.startsWith('ip route add'))).toHaveLength(n.routes.length - 1);
    expect(up).toContain('ip route add 198.18.0.22/32 via 198.18.0.5 dev up-isp2 table 102');
    expect(up).toContain('ip rule add fwmark 0x66 table 102 priority 1002');
    expect(describeActions(actions, 'down')).toContainEqual(expect.stringMatching(/^ip rule del fwmark 0x66 table 102 priority 1002 /));
  });
});

describe('bgpfoNode', () => {
  it('takes routers and gateways that run bgpfo, and says why not for the rest', () => {
    expect(bgpfoNode(plan(AA4), 'gw1').name).toBe('gw1');
    expect(() => bgpfoNode(plan(AA4), 'hq-lan')).toThrow('hq-lan is a lan-router: bgpfo up brings up routers and gateways (the lab plays the other nodes)');
    expect(() => bgpfoNode(plan(AP8), 'gw1')).toThrow('gw1 runs bird, not bgpfo: configure it with the files of bgpfo render (nodes/gw1/)');
    expect(() => bgpfoNode(plan(CGW), 'nope')).toThrow(/no node nope in cloud-gateway.yaml; routers and gateways: r1, r2, gw-a, gw-b/);
    expect(() => bgpfoNode(plan(AA4, { tunnelType: 'veth' }), 'r1')).toThrow(/tunnel aa4-t1o is veth: bgpfo up sets up WireGuard tunnels only/);
  });
});

describe('hostUp --dry-run / hostDown', () => {
  it('only reads the host (no change, no key written) and lists what it would do, problems first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgpfo-host-'));
    const runner = new RecordingRunner((argv) => {
      if (argv.join(' ') === 'ip -j addr show') return { stdout: JSON.stringify([{ ifname: 'lan', addr_info: [{ family: 'inet', local: '10.255.0.2', prefixlen: 30 }] }, { ifname: 'up-isp1', addr_info: [] }]) };
      if (argv.slice(0, 3).join(' ') === 'ip -j route') return { stdout: '[]' };
      if (argv.slice(0, 3).join(' ') === 'ip -j rule') return { stdout: '[{"priority":0}]' };
      return undefined;
    });
    const paths = { configDir: join(dir, 'etc'), runDir: join(dir, 'run'), stateDir: join(dir, 'state') };
    const r = await hostUp(AA4, { node: 'r1', dryRun: true, runner, paths, bgpfoCommand: ['bgpfo'] });
    expect(r.dryRun).toBe(true);
    expect(r.lines[0]).toBe("# problem: r1 needs an interface named ib-r2 (twin) and this host has none; rename the host's interface (ip link set DEV name ib-r2) or adjust the topology");
    expect(r.lines.some((l) => l.startsWith(`write ${join(dir, 'etc', 'bgpfo.yaml')}`))).toBe(true);
    expect(r.lines.some((l) => l.startsWith('ip addr add 10.255.0.2/30'))).toBe(false);
    expect(runner.calls.every((c) => c.argv[1] === '-j')).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
    // Nothing was brought up, so down has nothing to undo.
    expect((await hostDown(AA4, { node: 'r1', paths, runner })).lines).toEqual([]);
  });
});
