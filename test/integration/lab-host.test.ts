// `bgpfo up --node` / `bgpfo down --node` for real, each inside a namespace that plays a router host: r1 and gw1
// of a four-tunnel topology bring up their WireGuard tunnel (wireguard-go: no kernel module here), addresses,
// routes, sysctls, config and daemon, peer over the tunnel, and `down` puts each host back exactly as it was.

import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ControlClient } from '../../src/api/client';
import { AA4, CLI } from './lab-support';
import { ensureBuilt, exec, Lab, waitFor, type Netns } from './harness';

jest.setTimeout(120_000);

let lab: Lab;
let dir: string;
let topo: string;
const hosts: Record<string, Netns> = {};

const paths = (node: string) => ['--node', node, '--config-dir', join(dir, node, 'etc'), '--run-dir', join(dir, node, 'run'), '--state-dir', join(dir, node, 'state')];
const bgpfo = (node: string, cmd: 'up' | 'down', extra: string[] = []) =>
  hosts[node].exec([...CLI, cmd, topo, ...paths(node), ...(cmd === 'up' ? ['--keys', join(dir, 'keys'), '--service', 'process'] : []), ...extra]);

/**
 * What a host looks like to the network: IPv4 addresses, routes and rules, the sysctls `up` sets. Not
 * net.ipv4.conf.all.rp_filter: the running daemon sets that one itself (loose, src/fib/host-settings), and
 * `down` undoes what `up` did, not what the daemon chose while it ran.
 */
async function snapshot(ns: Netns): Promise<unknown> {
  const addrs = JSON.parse(await ns.exec(['ip', '-j', 'addr'])) as { ifname: string; addr_info: { family: string; local: string; prefixlen: number }[] }[];
  const routes = JSON.parse(await ns.exec(['ip', '-4', '-j', 'route', 'show', 'table', 'all'])) as { dst: string; gateway?: string; dev?: string; table?: string }[];
  const sysctl = await ns.exec(['sysctl', 'net.ipv4.ip_forward', 'net.ipv4.conf.default.rp_filter', 'net.ipv4.fib_multipath_hash_policy']);
  return {
    addrs: addrs.map((a) => `${a.ifname} ${a.addr_info.filter((x) => x.family === 'inet').map((x) => `${x.local}/${x.prefixlen}`).join(' ')}`),
    routes: routes.map((r) => `${r.dst} ${r.gateway ?? ''} ${r.dev ?? ''} ${r.table ?? 'main'}`).sort(),
    rules: await ns.exec(['ip', 'rule']),
    sysctl,
    pids: (await exec(['ip', 'netns', 'pids', ns.name])).trim(),
  };
}

function files(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (p: string) => out.push(relative(root, p)))(join(d, e.name));
  };
  walk(root);
  return out.sort();
}

beforeAll(async () => {
  ensureBuilt();
  lab = Lab.create('hup');
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-host-it-'));
  topo = join(dir, 'topology.yaml');
  // Its own lab name: WireGuard interface names are machine-wide (wireguard-go's sockets), so no clash with a lab.
  writeFileSync(topo, readFileSync(AA4, 'utf8').replace(/^lab: aa4$/m, 'lab: ith'));
  for (const n of ['r1', 'gw1', 'inet', 'peers']) hosts[n] = await lab.addNamespace(n);
  // The host's own interfaces, named as the plan expects; the far ends of LAN and twin links go nowhere much.
  const p = hosts.peers;
  await lab.link({ ns: hosts.r1, ifname: 'lan' }, { ns: p, ifname: 'r1-lan' });
  await lab.link({ ns: hosts.r1, ifname: 'ib-r2' }, { ns: p, ifname: 'r1-ib' });
  await lab.link({ ns: hosts.r1, ifname: 'up-isp1' }, { ns: hosts.inet, ifname: 'r1-isp1', v4: '198.18.0.1/30' });
  await lab.link({ ns: hosts.gw1, ifname: 'lan' }, { ns: p, ifname: 'gw1-lan' });
  await lab.link({ ns: hosts.gw1, ifname: 'ib-gw2' }, { ns: p, ifname: 'gw1-ib' });
  await lab.link({ ns: hosts.gw1, ifname: 'uplink' }, { ns: hosts.inet, ifname: 'gw1-up', v4: '198.18.0.9/30' });
  await hosts.inet.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  // A new namespace copies the root namespace's IPv4 settings (devconf_inherit_init_net 0), and a machine running
  // Docker forwards: start the router hosts from a host that does not, as a fresh router would.
  for (const n of ['r1', 'gw1']) await hosts[n].exec(['sysctl', '-qw', 'net.ipv4.ip_forward=0']);
});
afterAll(async () => {
  // If a test failed half-way: undo what is recorded, then the namespaces go.
  for (const n of ['r1', 'gw1']) await bgpfo(n, 'down').catch(() => undefined);
  await lab.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('up on r1 and gw1: the tunnel comes up, the BGP session over it is Established; down restores each host exactly', async () => {
  const before = { r1: await snapshot(hosts.r1), gw1: await snapshot(hosts.gw1) };

  const dry = await bgpfo('r1', 'up', ['--dry-run']);
  expect(dry).toContain('wireguard-go ith-t1o');
  expect(dry).toContain('ip addr add 198.18.0.2/30 dev up-isp1');
  expect(await snapshot(hosts.r1)).toEqual(before.r1);

  expect(await bgpfo('r1', 'up')).toMatch(/r1 is up: \d+ changes, recorded in .*host-r1\.json/);
  expect(await bgpfo('gw1', 'up')).toMatch(/gw1 is up/);

  const conf = join(dir, 'r1', 'etc', 'wireguard', 'ith-t1o.conf');
  expect(statSync(conf).mode & 0o777).toBe(0o600);
  expect(await hosts.r1.exec(['wg', 'show', 'ith-t1o', 'peers'])).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
  const status = await waitFor(
    async () => {
      const s = await new ControlClient({ socketPath: join(dir, 'r1', 'run', 'bgpfo.sock') }).status();
      return s.sessions.find((x) => x.name === 'gw1-isp1' && x.state === 'Established') ? s : undefined;
    },
    60_000,
    { what: 'r1 to establish its session with gw1 over WireGuard tunnel t1' },
  );
  expect(status.router.routerId).toBe('10.255.0.2');
  // gw2 was never brought up: its tunnel exists on r1 but its session cannot come up.
  expect(status.sessions.find((x) => x.name === 'gw2-isp1')!.state).not.toBe('Established');

  // down --dry-run lists the undo and changes nothing.
  const dryDown = await bgpfo('r1', 'down', ['--dry-run']);
  expect(dryDown).toContain('ip link del ith-t1o');
  expect(dryDown).toContain('sysctl -qw net.ipv4.ip_forward=0');

  await bgpfo('r1', 'down');
  await bgpfo('gw1', 'down');
  expect(await snapshot(hosts.r1)).toEqual(before.r1);
  expect(await snapshot(hosts.gw1)).toEqual(before.gw1);
  // Only the shared key directory stays (peers' configs depend on those keys); no WireGuard socket is left.
  expect(files(dir).filter((f) => !f.startsWith('keys/') && f !== 'topology.yaml')).toEqual([]);
  expect(readdirSync('/var/run/wireguard').filter((f) => f.startsWith('ith-'))).toEqual([]);
  expect(await bgpfo('r1', 'down')).toContain('r1 is not up here');
});
