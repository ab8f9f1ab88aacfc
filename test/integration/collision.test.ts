// Connection collisions with an Established session (issue 14), real processes in namespaces: a late OPEN on a
// second connection beside a session with BIRD 2 and with FRR 8.4 (in both directions), resets that make both
// ends connect at once, and two bgpfo daemons connecting at once again and again. RFC 4271 §6.8.

import { bgpfoConfig, BgpfoDaemon, Bird, ensureBuilt, Frr, Lab, LINKS, twoLinkLab, US_ASN, FAR_ASN, waitFor, type Netns, type TwoLinkLab } from './harness';
import { rawBgp } from './harness/raw-bgp';
import type { NeighborDetail } from '../../src/api/neighbor-types';

jest.setTimeout(180_000);

/** The far router's identifier is the higher one, so the identifiers pick its new connection: bgpfo goes on tentatively. */
const FAR_ID = '10.255.0.9';
const US_ID = '10.255.0.2';

const detail = async (d: BgpfoDaemon, name = 'tun-a1') => JSON.parse(await d.cli(['neighbor', name, '--json'])) as NeighborDetail;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** bgpfo with tun-a1 only (link a, hold 3 s). */
function oneNeighbor(): Record<string, unknown> {
  const c = bgpfoConfig();
  c.neighbors = (c.neighbors as Record<string, unknown>[]).filter((n) => n.name === 'tun-a1');
  return c;
}

/** What a late second connection from the far router's address (with its identity) gets from bgpfo. */
function lateFromFar(far: Netns, then: 'cease' | 'silent') {
  return rawBgp(far, { from: LINKS.a.far4, to: LINKS.a.us4, asn: FAR_ASN, routerId: FAR_ID, holdTime: 3, then, timeoutMs: 8000 });
}

/** What a late second connection from bgpfo's address (with its identity) gets from the far router. */
function lateFromUs(us: Netns) {
  return rawBgp(us, { from: LINKS.a.us4, to: LINKS.a.far4, asn: US_ASN, routerId: US_ID, holdTime: 3, then: 'silent', timeoutMs: 8000 });
}

interface Peer {
  /** Something that changes when the far router's session is lost and comes back (its uptime start or counters). */
  sessionMark(): Promise<string>;
  /** Whether two marks name the same session (a printed mark may wobble without the session changing). */
  sameSession(before: string, after: string): boolean;
  established(): Promise<boolean>;
  /** Reset the session from the far router's side (it sends a NOTIFICATION and connects again). */
  reset(): Promise<void>;
  /** The process that runs its BGP. */
  pid(): number;
}

/**
 * Stops a process for a while: the kernel still accepts connections to its listening socket (and queues their
 * OPENs), and its own connect is late, so when it runs again both connections are there at once.
 */
async function freeze(pid: number, ms: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  try {
    await sleep(ms);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

/**
 * OPENs bgpfo sent beyond one per session it got: each is a second connection, i.e. a collision. (A handover is an
 * Established transition that took no session of its own: its OPEN counts as the second connection's.)
 */
const sessionsGot = (d: NeighborDetail) => d.establishedTransitions - d.handovers;
const extraOpens = (before: NeighborDetail, after: NeighborDetail) => after.messages.sent.open - before.messages.sent.open - (sessionsGot(after) - sessionsGot(before));

function collisionSuite(kind: 'BIRD' | 'FRR', start: (t: TwoLinkLab) => Promise<Peer>) {
  describe(`bgpfo <-> ${kind}: an OPEN on a second connection while Established`, () => {
    let t: TwoLinkLab;
    let peer: Peer;
    let bgpfo: BgpfoDaemon;

    beforeAll(async () => {
      ensureBuilt();
      t = await twoLinkLab(kind === 'BIRD' ? 'c14bird' : 'c14frr');
      peer = await start(t);
      bgpfo = await BgpfoDaemon.start(t.us, 'bgpfo', { config: oneNeighbor() });
      await waitFor(async () => (await peer.established()) && (await detail(bgpfo)).session.state === 'Established', 30_000, { what: 'the session Established at both ends' });
    });

    afterAll(async () => {
      if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
      await t?.lab.cleanup();
    });

    /** Runs `provoke` and checks that neither end lost the session meanwhile, nor in the hold time after. */
    async function sessionSurvives(provoke: () => Promise<void>): Promise<void> {
      const mark = await peer.sessionMark();
      const before = await detail(bgpfo);
      await provoke();
      await sleep(3500); // one hold time more: a loss caused by the collision would show by now
      const after = await detail(bgpfo);
      expect(after.session.state).toBe('Established');
      expect(await peer.established()).toBe(true);
      const later = await peer.sessionMark();
      expect({ later, same: peer.sameSession(mark, later) }).toEqual({ later, same: true });
      expect([after.flaps, after.establishedTransitions]).toEqual([before.flaps, before.establishedTransitions]);
      await waitFor(async () => (await bgpfo.statusJson()).sessions[0]?.state === 'Established' && (await detail(bgpfo)).session.state === 'Established', 5000, { what: 'one connection left' });
    }

    test(`the far router's late connection (its address, its identity): bgpfo goes on with it tentatively, the refusal (Cease/7, as ${kind} does) leaves the session untouched`, async () => {
      await sessionSurvives(async () => {
        const r = await lateFromFar(t.far, 'cease');
        // The identifiers picked the new connection: bgpfo answered our OPEN with its OPEN and KEEPALIVE, and
        // closed it without a word of its own once refused.
        expect(r.received).toEqual(['open', 'keepalive', 'closed']);
      });
    });

    test('a late connection that never answers is dropped by its hold timer (3 s), the session untouched', async () => {
      await sessionSurvives(async () => {
        const r = await lateFromFar(t.far, 'silent');
        expect(r.received.slice(0, 2)).toEqual(['open', 'keepalive']);
        expect(r.received).toContain('notification 4/0');
        expect(r.received.at(-1)).toBe('closed');
      });
    });

    test(`${kind} keeps its Established session when our late connection sends its OPEN: it never answers with a KEEPALIVE`, async () => {
      await sessionSurvives(async () => {
        const r = await lateFromUs(t.us);
        // The rule's premise about this kind of peer: a refusal (Cease/7 or a close), never a KEEPALIVE.
        expect(r.received).not.toContain('keepalive');
        expect(r.received.at(-1)).toBe('closed');
        process.stdout.write(`${kind} answered a late OPEN with: ${r.received.join(', ')}\n`);
      });
    });

    test(`resets from either end with that end frozen for 1.5 s (both connections at once), 8 rounds or more: each ends on one Established session that then stays`, async () => {
      let collisions = 0;
      // Whether a round makes two connections at once is up to the scheduler: 8 rounds, and up to 16 until one did.
      let round = 0;
      for (; round < 16 && (round < 8 || collisions === 0); round++) {
        const before = await detail(bgpfo);
        if (round % 2 === 0) {
          await peer.reset();
          await freeze(peer.pid(), 1500);
        } else {
          await bgpfo.cli(['clear', 'tun-a1']);
          await freeze(bgpfo.process.pid!, 1500);
        }
        await waitFor(async () => (await detail(bgpfo)).establishedTransitions > before.establishedTransitions, 30_000, { what: `round ${round}: bgpfo Established again` });
        await waitFor(() => peer.established(), 30_000, { what: `round ${round}: ${kind} Established again` });
        const up = await detail(bgpfo);
        // One new session per round: the collision itself never cost a second one (a handover is not one).
        expect(sessionsGot(up)).toBe(sessionsGot(before) + 1);
        const mark = await peer.sessionMark();
        await sleep(3500);
        const later = await detail(bgpfo);
        expect(later.session.state).toBe('Established');
        expect([later.flaps, sessionsGot(later)]).toEqual([up.flaps, sessionsGot(up)]);
        // The peer's session stays, or moved with a handover: a connection of ours that reaches BIRD after it came up
        // is, with graceful restart negotiated, taken by BIRD as our restart (bgp_incoming_connection: it moves its
        // session there, routes kept stale, and answers with a KEEPALIVE), and bgpfo follows as a handover.
        const moved = later.handovers > up.handovers;
        const laterMark = await peer.sessionMark();
        expect({ mark, laterMark, same: moved || peer.sameSession(mark, laterMark), moved }).toEqual({ mark, laterMark, same: true, moved });
        if (extraOpens(before, later) > 0) collisions++;
        process.stdout.write(
          `${kind} round ${round}: transitions ${later.establishedTransitions - before.establishedTransitions}, extra OPENs ${extraOpens(before, later)}, handovers ${later.handovers - before.handovers}\n`,
        );
      }
      process.stdout.write(`${kind}: rounds with a second connection: ${collisions} of ${round}\n`);
      // The rounds did meet collisions (else they would show nothing).
      expect(collisions).toBeGreaterThan(0);
    });
  });
}

collisionSuite('BIRD', async (t) => {
  const conf = `router id ${FAR_ID};
log stderr all;
protocol device { scan time 10; }
protocol static s4 { ipv4; route 10.50.0.0/16 blackhole; }
protocol bgp a1 {
  local as ${FAR_ASN};
  hold time 3; keepalive time 1; error wait time 1,5; connect retry time 1;
  neighbor ${LINKS.a.us4} as ${US_ASN};
  source address ${LINKS.a.far4};
  ipv4 { import all; export where source = RTS_STATIC; };
}
`;
  const bird = await Bird.start(t.far, 'bird', conf);
  const line = async () => (await bird.birdc('show protocols a1')).split('\n').find((l) => l.startsWith('a1 ')) ?? '';
  return {
    // Name Proto Table State Since Info: "Since" is when the protocol (the session) last came up.
    sessionMark: async () => (await line()).trim().split(/\s+/).slice(3, 5).join(' '),
    // BIRD prints "Since" by working back from now (lib/timer.c tm_format_time: real now - (monotonic now - stamp)),
    // its two clocks read at different moments: the same session can print a millisecond apart. A new session comes
    // up seconds later (it is down for BIRD's error wait of 1 s at least), so 2 ms apart is still the same session.
    sameSession: (before, after) => {
      const [stateA, sinceA] = before.split(' ');
      const [stateB, sinceB] = after.split(' ');
      const ms = (since: string | undefined) => {
        const m = /^(\d+):(\d+):(\d+)\.(\d{3})$/.exec(since ?? '');
        return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]) : NaN;
      };
      return stateA === stateB && Math.abs(ms(sinceA) - ms(sinceB)) <= 2;
    },
    established: async () => (await bird.protocolState('a1')) === 'Established',
    reset: async () => void (await bird.birdc('restart a1')),
    pid: () => bird.process.pid!,
  };
});

collisionSuite('FRR', async (t) => {
  const bgpd = [
    'frr defaults traditional',
    'hostname far',
    'log stdout informational',
    `router bgp ${FAR_ASN}`,
    ` bgp router-id ${FAR_ID}`,
    ' no bgp ebgp-requires-policy',
    ' bgp log-neighbor-changes',
    ` neighbor ${LINKS.a.us4} remote-as ${US_ASN}`,
    ` neighbor ${LINKS.a.us4} timers 1 3`,
    ` neighbor ${LINKS.a.us4} timers connect 1`,
    '!',
  ].join('\n');
  const frr = await Frr.start(t.far, { bgpd: `${bgpd}\n` });
  const neighbor = async () =>
    (await frr.vtyshJson<Record<string, { bgpState: string; connectionsEstablished?: number; connectionsDropped?: number }>>(`show bgp neighbors ${LINKS.a.us4} json`))[LINKS.a.us4];
  return {
    sessionMark: async () => {
      const n = await neighbor();
      return `${n?.connectionsEstablished} up, ${n?.connectionsDropped} dropped`;
    },
    sameSession: (before, after) => before === after,
    established: async () => (await neighbor())?.bgpState === 'Established',
    reset: async () => void (await frr.vtysh(`clear bgp ${LINKS.a.us4}`)),
    pid: () => frr.processes.find((p) => p.name.endsWith('-bgpd'))!.pid!,
  };
});

describe('bgpfo <-> bgpfo connecting at once, again and again', () => {
  let lab: Lab;
  let a: BgpfoDaemon;
  let b: BgpfoDaemon;
  const A = { addr: '10.0.1.2', asn: 65001, id: '10.255.0.2', ifname: 'c14-to-b' };
  const B = { addr: '10.0.1.1', asn: 64512, id: '10.255.0.1', ifname: 'c14-to-a' };
  const config = (me: typeof A, other: typeof A, prefix: string) => ({
    router: { asn: me.asn, 'router-id': me.id },
    originate: [prefix],
    neighbors: [{ name: 'tun-a1', address: other.addr, 'local-address': me.addr, 'remote-asn': other.asn, families: ['ipv4-unicast'], 'hold-time': 3, 'connect-retry': 1 }],
  });

  beforeAll(async () => {
    ensureBuilt();
    lab = Lab.create('c14pair');
    const nsA = await lab.addNamespace('a');
    const nsB = await lab.addNamespace('b');
    await lab.link({ ns: nsA, ifname: A.ifname, v4: `${A.addr}/30` }, { ns: nsB, ifname: B.ifname, v4: `${B.addr}/30` });
    [a, b] = await Promise.all([
      BgpfoDaemon.start(nsA, 'bgpfo-a', { config: config(A, B, '10.61.0.0/16') }),
      BgpfoDaemon.start(nsB, 'bgpfo-b', { config: config(B, A, '10.62.0.0/16') }),
    ]);
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(lab?.logs() ?? '');
    await lab?.cleanup();
  });

  /** Both Established on the same TCP connection (each end's local port is the other's remote port). */
  async function onOneConnection(): Promise<{ da: NeighborDetail; db: NeighborDetail } | null> {
    const [da, db] = await Promise.all([detail(a), detail(b)]);
    if (da.session.state !== 'Established' || db.session.state !== 'Established') return null;
    if (!da.connection || !db.connection) return null;
    if (da.connection.localPort !== db.connection.remotePort || da.connection.remotePort !== db.connection.localPort) return null;
    return { da, db };
  }

  test('12 rounds (both clear at once, or the link drops and returns; one end frozen for 1.5 s meanwhile): one shared Established session each time, and it stays', async () => {
    await waitFor(onOneConnection, 30_000, { what: 'the first session' });
    let collisions = 0;
    for (let round = 0; round < 12; round++) {
      const [ba, bb] = await Promise.all([detail(a), detail(b)]);
      if (round % 2 === 0) {
        // Both clear (the later one may find its session already reset by the other's Cease: fine), then one end
        // is frozen while the other connects.
        await Promise.all([a.cli(['clear', 'tun-a1']).catch(() => ''), b.cli(['clear', 'tun-a1']).catch(() => '')]);
        await freeze((round % 4 === 0 ? b : a).process.pid!, 1500);
      } else {
        // The link drops (both lose the session) and returns while one end is frozen.
        await a.ns.exec(['ip', 'link', 'set', A.ifname, 'down']);
        await waitFor(async () => (await detail(a)).session.state !== 'Established' && (await detail(b)).session.state !== 'Established', 15_000, { what: 'both sessions lost' });
        const frozen = (round % 4 === 1 ? a : b).process.pid!;
        process.kill(frozen, 'SIGSTOP');
        try {
          await a.ns.exec(['ip', 'link', 'set', A.ifname, 'up']);
          await sleep(1500);
        } finally {
          process.kill(frozen, 'SIGCONT');
        }
      }
      const up = await waitFor(
        async () => {
          const r = await onOneConnection();
          return r && r.da.establishedTransitions > ba.establishedTransitions && r.db.establishedTransitions > bb.establishedTransitions ? r : null;
        },
        30_000,
        { what: `round ${round}: one shared session` },
      );
      await sleep(3500);
      const later = await onOneConnection();
      expect(later).not.toBeNull();
      if (!later) return;
      // No loss after the session came back: same connection, no further transition or flap at either end.
      expect(later.da.connection).toEqual(up.da.connection);
      expect([later.da.flaps, later.db.flaps, later.da.establishedTransitions, later.db.establishedTransitions]).toEqual([
        up.da.flaps,
        up.db.flaps,
        up.da.establishedTransitions,
        up.db.establishedTransitions,
      ]);
      const extra = extraOpens(ba, later.da) + extraOpens(bb, later.db);
      if (extra > 0) collisions++;
      process.stdout.write(
        `pair round ${round}: extra OPENs a ${extraOpens(ba, later.da)} b ${extraOpens(bb, later.db)}, handovers a ${later.da.handovers - ba.handovers} b ${later.db.handovers - bb.handovers}, transitions a ${later.da.establishedTransitions - ba.establishedTransitions} b ${later.db.establishedTransitions - bb.establishedTransitions}\n`,
      );
    }
    const [ea, eb] = await Promise.all([detail(a), detail(b)]);
    process.stdout.write(`pair: rounds with a second connection: ${collisions} of 12; handovers a ${ea.handovers} b ${eb.handovers}\n`);
    expect(collisions).toBeGreaterThan(0);
  });
});
