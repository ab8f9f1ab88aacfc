// A daemon without sockets for the FIB tests: the real Speaker with scripted sessions, setupFib over a MemoryFib,
// a fake clock and a fake interface resolver; records the order of FIB calls and sessions' OPEN options.

import type { DownInfo, EstablishedInfo } from '../../../src/bgp/session';
import type { PeerGracefulRestart } from '../../../src/bgp/capabilities';
import { FailoverRunner, Speaker } from '../../../src/daemon';
import { setupFib, type DaemonFib } from '../../../src/daemon/fib-setup';
import { MemoryFib, MemoryKernel } from '../../../src/fib';
import { FakeClock } from '../../../src/util/clock';
import { CTX, config, fakeSessions, silent, type FakeSession } from './helpers';

export const IFACES: Record<string, string> = {
  '169.254.21.1': 'wg-a1',
  '169.254.22.1': 'wg-b1',
  'fd00:23::1': 'wg-v6',
  '10.0.0.2': 'lan0',
};

export const BASE = `
router: { asn: 65001, router-id: 10.0.0.1 }
originate: [10.1.0.0/16]
control: { socket: /tmp/bgpfo-unit-never-bound.sock }
neighbors:
  - { name: tun-a1, address: 169.254.21.1, local-address: 169.254.21.2, remote-asn: 64512, families: [ipv4-unicast], import: { allow-own: true } GR }
  - { name: tun-b1, address: 169.254.22.1, local-address: 169.254.22.2, remote-asn: 64512, families: [ipv4-unicast], role: backup, local-pref: 100 GR }
  - { name: tun-v6, address: "fd00:23::1", local-address: "fd00:23::2", remote-asn: 64512, families: [ipv6-unicast] }
  - { name: twin, address: 10.0.0.2, remote-asn: 65001, families: [ipv4-unicast] }
`;

export function yaml(gr: boolean): string {
  return BASE.replace(/ GR }/g, gr ? ', graceful-restart: { enabled: true, restart-time: 120 } }' : ' }');
}

export interface Rig {
  clock: FakeClock;
  speaker: Speaker;
  fib: MemoryFib;
  kernel: MemoryKernel;
  setup: DaemonFib;
  failover: FailoverRunner;
  s: (name: string) => FakeSession;
  /** FIB calls in call order: "down tun-a1", "up tun-a1", "routes +3 -1". */
  calls: string[];
  lookups: string[];
  settle(): Promise<void>;
}

export async function rig(opts: { gr?: boolean; kernel?: MemoryKernel; yaml?: string; importBudget?: number } = {}): Promise<Rig> {
  const clock = new FakeClock();
  const sessions = fakeSessions();
  const kernel = opts.kernel ?? new MemoryKernel();
  const fib = new MemoryFib({ kernel });
  const calls: string[] = [];
  const lookups: string[] = [];
  const down = fib.nexthopDown.bind(fib);
  const up = fib.nexthopUp.bind(fib);
  const replace = fib.replaceRoutes.bind(fib);
  fib.nexthopDown = (t) => (calls.push(`down ${t}`), down(t));
  fib.nexthopUp = (t) => (calls.push(`up ${t}`), up(t));
  fib.replaceRoutes = (routes) => {
    const gone = routes.filter((r) => r.tiers.length === 0).length;
    calls.push(`routes +${routes.length - gone} -${gone}`);
    return replace(routes);
  };
  const cfg = config(opts.yaml ?? yaml(opts.gr ?? false));
  const setup = await setupFib(cfg, silent, {
    clock,
    fib,
    resolveInterface: async (address) => {
      lookups.push(address);
      const i = IFACES[address];
      if (!i) throw new Error(`no route to ${address}`);
      return i;
    },
  });
  let failover: FailoverRunner | undefined;
  const speaker = new Speaker(cfg, {
    logger: silent,
    clock,
    createSession: sessions.create,
    restartCapability: (n) => setup.restart.capability(n),
    tunnelAlive: (name) => failover?.tunnelAlive(name) ?? true,
    deferInitialTable: () => setup.restart.deferringSelection,
    deferStart: () => true,
    ...(opts.importBudget ? { importBudget: opts.importBudget } : {}),
  });
  failover = new FailoverRunner({ speaker, logger: silent, fib: setup.bridge, hasLiveness: () => false });
  setup.attach(speaker);
  setup.bridge.setGate(failover);
  speaker.start();
  failover.start();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      await speaker.settled();
      await setup.bridge.idle();
    }
  };
  await settle();
  return { clock, speaker, fib, kernel, setup, failover, s: sessions.get, calls, lookups, settle };
}

export const GR_CAP: PeerGracefulRestart = { restartTime: 120, restarting: false, families: [{ family: 'ipv4-unicast', forwardingPreserved: true }] };

/** Established with graceful restart negotiated (the peer preserved forwarding unless told otherwise). */
export function establishGr(s: FakeSession, gr: PeerGracefulRestart = GR_CAP, over: Partial<EstablishedInfo> = {}): void {
  s.establish({ gracefulRestart: gr, ...over });
}

export const IBGP = { ctx: { ...CTX, ebgp: false } };

/** The session drops as the runner reports it, with the negotiated graceful-restart facts (FakeSession.goDown drops them). */
export function lose(s: FakeSession, info: Partial<DownInfo> = {}, gr: PeerGracefulRestart | undefined = GR_CAP): void {
  s.state = 'Idle';
  s.emit('down', { reason: 'tcp-connection-failed', message: 'TCP connection closed by peer', ...(gr ? { gracefulRestart: gr } : {}), ...info });
}
