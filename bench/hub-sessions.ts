// Benchmark: one hub holding N BGP sessions, each with BFD at 300 ms x 3, towards BIRD 2 instances that hold many
// sessions each; bgpfo, then FRR 8.4 (bgpd + bfdd + zebra) as the hub in the same run (issue 14). Prints figures,
// ratios and a Markdown table (docs/benchmarks.md "A hub with many sessions").
//
//   sudo npx tsx bench/hub-sessions.ts [--sessions 1000] [--window 600] [--hubs bgpfo,frr] [--per-bird 250]
//                                      [--interval 300] [--prefixes 2] [--up-timeout 300] [--frr-window S] [--transit]
//
// Both hubs send each spoke the same routes: by default the hub's own prefix only; with --transit also every other
// spoke's prefixes (a hub through which spokes reach each other: N x sessions x prefixes routes out, the work FRR's
// update-groups and bgpfo's shared export share between peers).
//
// The hub's namespace and one namespace per spoke BIRD instance (two BIRDs in one namespace share BFD's port 3784 and
// lose each other's packets), each joined to the hub by a veth with a /16 of its own: instance i uses 10.(70+i).0.0/16,
// the hub one address per session (10.(70+i).0.1 and up: BIRD keys a BFD session by the remote address, so each
// session of one instance needs its own hub address, as each tunnel has its own inner address on a real hub), the
// spoke one per session (10.(70+i).100.1 and up). ARP entries are static (the kernel's neighbour-table limits are
// shared by every namespace of the machine, 1,024 entries by default). Spoke session j announces PREFIXES /24s from
// 10.128.0.0/9 under its own AS 4200000000 + j; the hub announces 10.200.0.0/16.
// Start-up is measured from the hub's start (its first process spawned), on BIRD's side, which is the same for both
// hubs: every BGP protocol Established, every BFD session Up; and on the hub's side every spoke prefix in its kernel
// table. Then, over the window: CPU seconds of the hub's processes (/proc/PID/stat), RSS at the end and its peak
// (VmHWM), and false Downs: BFD Up -> Down and BGP Established -> down in the spokes' BIRD logs, with the hub's own
// counts beside. Nothing polls the hub during the window (its status endpoint is asked once at each end).

import { readFileSync, writeFileSync } from 'node:fs';
import { Bird, BgpfoDaemon, ensureBuilt, Frr, Lab, type Netns } from '../test/integration/harness';
import { addAddresses, loadAverage, procCost } from './bfd-support';

type Hub = 'bgpfo' | 'frr';

interface Options {
  sessions: number;
  windowS: number;
  /** FRR's window when it differs (default --window): a hub that never holds its sessions needs no 10 minutes to show it. */
  frrWindowS: number | undefined;
  hubs: Hub[];
  perBird: number;
  intervalMs: number;
  prefixes: number;
  upTimeoutS: number;
  /** The hub re-advertises every spoke's prefixes to every other spoke. */
  transit: boolean;
}

const MULT = 3;
const HUB_AS = 65000;
const SPOKE_AS = 4_200_000_000;
const HOLD = 90;
const HUB_PREFIX = '10.200.0.0/16';
const SPOKE_SPACE = '10.128.0.0/9';

/** Sessions per BIRD instance (--per-bird): session j is the (j % PER)-th of instance floor(j / PER). */
let PER = 250;
const place = (j: number) => ({ i: Math.floor(j / PER), k: j % PER });
const hubAddr = (j: number) => {
  const { i, k } = place(j);
  return `10.${70 + i}.${Math.floor(k / 250)}.${(k % 250) + 1}`;
};
const spokeAddr = (j: number) => {
  const { i, k } = place(j);
  return `10.${70 + i}.${100 + Math.floor(k / 250)}.${(k % 250) + 1}`;
};
/** The k-th /24 of spoke session j, in 10.128.0.0/9. */
const spokePrefix = (j: number, k: number, per: number) => {
  const i = j * per + k;
  return `10.${128 + (i >> 8)}.${i & 255}.0/24`;
};

function parseArgs(argv: string[]): Options {
  const o: Options = { sessions: 1000, windowS: 600, frrWindowS: undefined, hubs: ['bgpfo', 'frr'], perBird: 250, intervalMs: 300, prefixes: 2, upTimeoutS: 300, transit: false };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--transit') {
      o.transit = true;
      i--;
      continue;
    }
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--sessions') o.sessions = Number(v);
    else if (k === '--window') o.windowS = Number(v);
    else if (k === '--frr-window') o.frrWindowS = Number(v);
    else if (k === '--hubs') o.hubs = v.split(',') as Hub[];
    else if (k === '--per-bird') o.perBird = Number(v);
    else if (k === '--interval') o.intervalMs = Number(v);
    else if (k === '--prefixes') o.prefixes = Number(v);
    else if (k === '--up-timeout') o.upTimeoutS = Number(v);
    else throw new Error(`unknown flag ${k}`);
  }
  if (!(Number.isInteger(o.sessions) && o.sessions >= 1 && o.sessions <= 25_000)) throw new Error('--sessions must be 1..25000');
  if (!(o.prefixes >= 1 && o.prefixes * o.sessions <= 1 << 15)) throw new Error('--prefixes x --sessions must be at most 32768');
  if (!(o.perBird >= 1 && o.perBird <= 25_000 && Math.ceil(o.sessions / o.perBird) <= 50)) throw new Error('--per-bird must be 1..25000, with at most 50 instances');
  if (o.hubs.some((h) => h !== 'bgpfo' && h !== 'frr')) throw new Error('--hubs is a list of bgpfo, frr');
  return o;
}

/** One spoke BIRD: `sessions` BGP protocols with `bfd on`, each from its own address to its own hub address. */
function spokeBird(sessions: number[], o: Options): string {
  const statics = sessions.flatMap((j) => Array.from({ length: o.prefixes }, (_, k) => `  route ${spokePrefix(j, k, o.prefixes)} blackhole;`));
  const bgp = sessions.map(
    (j) => `protocol bgp s${j} {
  local ${spokeAddr(j)} as ${SPOKE_AS + j};
  neighbor ${hubAddr(j)} as ${HUB_AS};
  hold time ${HOLD}; keepalive time ${HOLD / 3}; connect retry time 5; error wait time 1,5; bfd on;
  debug { states };
  ipv4 { import all; export where net ~ [ ${Array.from({ length: o.prefixes }, (_, k) => spokePrefix(j, k, o.prefixes)).join(', ')} ]; };
}`,
  );
  return `router id ${spokeAddr(sessions[0]!)};
log stderr all;
protocol device {}
protocol bfd {
  debug { events };
  interface "*" { interval ${o.intervalMs} ms; multiplier ${MULT}; };
}
protocol static spokes {
  ipv4;
${statics.join('\n')}
}
${bgp.join('\n')}
`;
}

function bgpfoHubConfig(o: Options): Record<string, unknown> {
  return {
    router: { asn: HUB_AS, 'router-id': hubAddr(0) },
    originate: [HUB_PREFIX],
    log: { level: 'info' },
    fib: { mode: 'kernel', 'apply-sysctls': true },
    rib: { 'keep-pre-policy': false },
    neighbors: Array.from({ length: o.sessions }, (_, j) => ({
      name: `spoke${j}`,
      address: spokeAddr(j),
      'local-address': hubAddr(j),
      'remote-asn': SPOKE_AS + j,
      families: ['ipv4-unicast'],
      'hold-time': HOLD,
      // BFD alone (quality: false): FRR has no loss/RTT probe beside BFD, so the hubs do the same work.
      liveness: { mode: 'bfd', 'interval-ms': o.intervalMs, multiplier: MULT, quality: false },
      ...(o.transit ? { export: { learned: [`${SPOKE_SPACE} le 32`] } } : {}),
    })),
  };
}

function frrHubConfig(o: Options): { bgpd: string; bfdd: string } {
  const nb = Array.from({ length: o.sessions }, (_, j) => {
    const a = spokeAddr(j);
    return [` neighbor ${a} peer-group SPOKES`, ` neighbor ${a} remote-as ${SPOKE_AS + j}`, ` neighbor ${a} update-source ${hubAddr(j)}`];
  }).flat();
  return {
    bgpd: [
      'frr defaults traditional',
      'hostname hub',
      'log stdout informational',
      `router bgp ${HUB_AS}`,
      ` bgp router-id ${hubAddr(0)}`,
      ' bgp log-neighbor-changes',
      ' no bgp ebgp-requires-policy',
      ' no bgp network import-check',
      ' neighbor SPOKES peer-group',
      ` neighbor SPOKES timers ${HOLD / 3} ${HOLD}`,
      ' neighbor SPOKES bfd',
      ' neighbor SPOKES bfd profile hub',
      ...nb,
      ' address-family ipv4 unicast',
      `  network ${HUB_PREFIX}`,
      // Without --transit the spokes get the hub's prefix only, as from bgpfo (which sends learned routes only where
      // an export "learned" filter names them).
      ...(o.transit ? [] : ['  neighbor SPOKES prefix-list HUB-ONLY out']),
      // The spokes share a link per BIRD instance here (on a real hub each has its own tunnel): without it FRR passes
      // a spoke's own address on as a third-party next hop, which the spokes' BIRD refuses as its own.
      ...(o.transit ? ['  neighbor SPOKES next-hop-self'] : []),
      ' exit-address-family',
      ...(o.transit ? [] : [`ip prefix-list HUB-ONLY seq 5 permit ${HUB_PREFIX}`]),
      '',
    ].join('\n'),
    bfdd: ['log stdout informational', 'bfd', ' profile hub', `  receive-interval ${o.intervalMs}`, `  transmit-interval ${o.intervalMs}`, `  detect-multiplier ${MULT}`, ' !', '!', ''].join('\n'),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function macOf(ns: Netns, ifname: string): Promise<string> {
  const j = JSON.parse(await ns.exec(['ip', '-j', 'link', 'show', ifname])) as { address: string }[];
  return j[0]!.address;
}

interface Spokes {
  birds: Bird[];
  /** Where each BIRD's log stood at the start of the window. */
  logMark: number[];
}

/** Established BGP protocols and Up BFD sessions over every spoke BIRD; undefined when a BIRD did not answer. */
async function countSpokesOnce(birds: Bird[]): Promise<{ established: number; bfdUp: number; routes: number } | undefined> {
  let established = 0;
  let bfdUp = 0;
  let routes = 0;
  for (const b of birds) {
    if (!b.process.running) throw new Error(`BIRD ${b.name} exited:\n${b.process.log().slice(-2000)}`);
    try {
      const [p, s, r] = await Promise.all([b.birdc('show protocols'), b.birdc('show bfd sessions'), b.birdc('show route count')]);
      // "N of M routes for K networks in table master4": every path, the spoke's own statics included.
      routes += Number(/(\d+) of \d+ routes/.exec(r)?.[1] ?? 0);
      established += p.split('\n').filter((l) => /^s\d+\s.*\sEstablished\s*$/.test(l)).length;
      bfdUp += s.split('\n').filter((l) => /\sUp\s/.test(l)).length;
    } catch {
      // birdc gives up when BIRD is too busy to answer (it happens while hundreds of sessions flap): no sample.
      return undefined;
    }
  }
  return { established, bfdUp, routes };
}

/**
 * Paths the spokes' BIRDs hold once every session has all the hub sends it, their own statics included: each session
 * gets the hub's prefix, and with --transit every other session's prefixes (never its own back).
 */
function expectedAtSpokes(o: Options): number {
  const n = o.sessions;
  return n * o.prefixes + n * (1 + (o.transit ? (n - 1) * o.prefixes : 0));
}

async function countSpokes(birds: Bird[]): Promise<{ established: number; bfdUp: number }> {
  for (let i = 0; i < 10; i++) {
    const c = await countSpokesOnce(birds);
    if (c) return c;
    await sleep(1000);
  }
  throw new Error('the spokes\' BIRDs did not answer birdc 10 times in a row');
}

/** BFD Up -> Down and BGP sessions leaving Established, in the BIRD logs since each mark. */
function spokeDowns(sp: Spokes): { bfd: number; bgp: number } {
  let bfd = 0;
  let bgp = 0;
  sp.birds.forEach((b, i) => {
    const log = b.process.log().slice(sp.logMark[i]);
    bfd += (log.match(/Session to \S+ changed state from Up to Down/g) ?? []).length;
    // debug { states }: an Established protocol (state up) that loses its session goes up -> stop -> down -> start.
    bgp += (log.match(/ s\d+: State changed to stop$/gm) ?? []).length;
  });
  return { bfd, bgp };
}

async function kernelSpokeRoutes(hub: Netns): Promise<number> {
  const out = await hub.exec(['ip', '-4', 'route', 'show', 'root', SPOKE_SPACE]);
  return out.split('\n').filter((l) => l.trim()).length;
}

function vmHwm(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

interface Result {
  hub: Hub;
  n: number;
  upEstablishedS: number | undefined;
  upBfdS: number | undefined;
  upRoutesS: number | undefined;
  /** Every spoke session holds every route the hub sends it (BIRD's count). */
  upOutS: number | undefined;
  atUp: { established: number; bfdUp: number; routes: number; atSpokes: number };
  startupCpuS: number;
  windowS: number;
  windowCpuS: number;
  /** Per process: name, CPU % of one core over the window, RSS MB at the end, peak MB. */
  procs: { name: string; cpuPct: number; rssMb: number; peakMb: number }[];
  rssMb: number;
  peakMb: number;
  birdCpuPct: number;
  falseBfd: number;
  bgpDrops: number;
  own: string;
  atEnd: { established: number; bfdUp: number };
  loadStart: string;
  loadEnd: string;
}

async function runHub(hub: Hub, o: Options): Promise<Result> {
  const lab = Lab.create(hub === 'bgpfo' ? 'hbenchb' : 'hbenchf');
  try {
    const n = o.sessions;
    const h = await lab.addNamespace('hub');
    const birds: Bird[] = [];
    for (let first = 0, i = 0; first < n; first += o.perBird, i++) {
      const ids = Array.from({ length: Math.min(o.perBird, n - first) }, (_, k) => first + k);
      const s = await lab.addNamespace(`s${i}`);
      const hubIf = `to-s${i}`;
      await lab.link({ ns: h, ifname: hubIf, v4: `${hubAddr(first)}/16` }, { ns: s, ifname: 'to-hub', v4: `${spokeAddr(first)}/16` });
      await addAddresses(h, hubIf, ids.slice(1).map((j) => `${hubAddr(j)}/16`));
      await addAddresses(s, 'to-hub', ids.slice(1).map((j) => `${spokeAddr(j)}/16`));
      const [hubMac, spokeMac] = [await macOf(h, hubIf), await macOf(s, 'to-hub')];
      await h.exec(['ip', '-batch', '-'], { input: ids.map((j) => `neigh replace ${spokeAddr(j)} lladdr ${spokeMac} dev ${hubIf} nud permanent`).join('\n') + '\n' });
      await s.exec(['ip', '-batch', '-'], { input: ids.map((j) => `neigh replace ${hubAddr(j)} lladdr ${hubMac} dev to-hub nud permanent`).join('\n') + '\n' });
      birds.push(await Bird.start(s, `spokes${i}`, spokeBird(ids, o)));
    }
    const loadStart = await loadAverage();
    console.log(`\n[${hub}] ${n} sessions at ${o.intervalMs} ms x ${MULT} towards ${birds.length} BIRD instance(s); ${loadStart}`);

    // ---- start-up ----------------------------------------------------------------------------------------------
    if (hub === 'bgpfo') ensureBuilt(); // a tsc build of dist/ is not the daemon's start-up
    const t0 = Date.now();
    let pids: { name: string; pid: number }[];
    let daemon: BgpfoDaemon | undefined;
    let frr: Frr | undefined;
    if (hub === 'bgpfo') {
      daemon = await BgpfoDaemon.start(h, 'hub', { config: bgpfoHubConfig(o), logLevel: 'info' });
      pids = [{ name: 'main', pid: daemon.process.pid! }];
    } else {
      frr = await Frr.start(h, { ...frrHubConfig(o), zebra: 'hostname hub\nlog stdout informational\n' });
      pids = frr.processes.map((p) => ({ name: p.name.replace(/^.*-/, ''), pid: p.pid! }));
    }
    let upEstablishedS: number | undefined;
    let upBfdS: number | undefined;
    let upRoutesS: number | undefined;
    let upOutS: number | undefined;
    const outWanted = expectedAtSpokes(o);
    let last = { established: 0, bfdUp: 0, routes: 0, atSpokes: 0 };
    let lastPrint = 0;
    while (Date.now() - t0 < o.upTimeoutS * 1000 && (upEstablishedS === undefined || upBfdS === undefined || upRoutesS === undefined || upOutS === undefined)) {
      const c = await countSpokesOnce(birds);
      if (!c) {
        await sleep(500);
        continue;
      }
      const routes = await kernelSpokeRoutes(h);
      const t = (Date.now() - t0) / 1000;
      last = { ...c, routes, atSpokes: c.routes };
      if (upOutS === undefined && c.routes === outWanted) upOutS = t;
      if (upEstablishedS === undefined && c.established === n) upEstablishedS = t;
      if (upBfdS === undefined && c.bfdUp === n) upBfdS = t;
      if (upRoutesS === undefined && routes === n * o.prefixes) upRoutesS = t;
      if (t - lastPrint >= 10) {
        lastPrint = t;
        console.log(`  ${t.toFixed(0)} s: Established ${c.established}/${n}, BFD Up ${c.bfdUp}/${n}, spoke routes in the hub's kernel ${routes}/${n * o.prefixes}, paths at the spokes ${c.routes}/${outWanted}`);
      }
      await sleep(500);
    }
    const upAt = Date.now();
    if (hub === 'bgpfo') {
      // The BFD process and its standby are known once the daemon is up.
      const st = await daemon!.status();
      if (st.bfd?.pid) pids.push({ name: 'bfd', pid: st.bfd.pid });
      if (st.bfd?.standbyPid) pids.push({ name: 'bfd standby', pid: st.bfd.standbyPid });
    }
    const startupCpuS = pids.reduce((a, p) => a + (procCost(p.pid)?.cpuS ?? 0), 0);
    console.log(
      `  up after ${((upAt - t0) / 1000).toFixed(1)} s: Established ${upEstablishedS?.toFixed(1) ?? `NOT all (${last.established}/${n})`} s, BFD Up ${upBfdS?.toFixed(1) ?? `NOT all (${last.bfdUp}/${n})`} s, routes ${upRoutesS?.toFixed(1) ?? `NOT all (${last.routes}/${n * o.prefixes})`} s, routes at the spokes ${upOutS?.toFixed(1) ?? `NOT all (${last.atSpokes}/${outWanted})`} s; hub CPU so far ${startupCpuS.toFixed(1)} s`,
    );

    // ---- the window ----------------------------------------------------------------------------------------------
    const sp: Spokes = { birds, logMark: birds.map((b) => b.process.log().length) };
    const s0 = performance.now();
    const ownBefore = await ownCount(hub, daemon, frr);
    const statusMs = performance.now() - s0;
    const c0 = pids.map((p) => procCost(p.pid));
    const b0 = birds.map((b) => procCost(b.process.pid!));
    const windowMs = (hub === 'frr' ? (o.frrWindowS ?? o.windowS) : o.windowS) * 1000;
    const w0 = Date.now();
    while (Date.now() - w0 < windowMs) {
      await sleep(Math.min(60_000, windowMs - (Date.now() - w0)));
      const d = spokeDowns(sp);
      console.log(`  window ${((Date.now() - w0) / 1000).toFixed(0)} s: BFD Downs ${d.bfd}, BGP drops ${d.bgp}; ${await loadAverage()}`);
    }
    const wallS = (Date.now() - w0) / 1000;
    const c1 = pids.map((p) => procCost(p.pid));
    const b1 = birds.map((b) => procCost(b.process.pid!));
    const loadEnd = await loadAverage();
    const downs = spokeDowns(sp);
    const atEnd = await countSpokes(birds);
    const ownAfter = await ownCount(hub, daemon, frr);
    const procs = pids.map((p, i) => ({
      name: p.name,
      cpuPct: c0[i] && c1[i] ? (100 * (c1[i]!.cpuS - c0[i]!.cpuS)) / wallS : NaN,
      rssMb: (c1[i]?.rssBytes ?? 0) / 1048576,
      peakMb: vmHwm(p.pid) / 1048576,
    }));
    const windowCpuS = pids.reduce((a, _, i) => a + ((c1[i]?.cpuS ?? 0) - (c0[i]?.cpuS ?? 0)), 0);
    const birdCpuS = birds.reduce((a, _, i) => a + ((b1[i]?.cpuS ?? 0) - (b0[i]?.cpuS ?? 0)), 0);
    const r: Result = {
      hub,
      n,
      upEstablishedS,
      upBfdS,
      upRoutesS,
      upOutS,
      atUp: last,
      startupCpuS,
      windowS: wallS,
      windowCpuS,
      procs,
      rssMb: procs.reduce((a, p) => a + p.rssMb, 0),
      peakMb: procs.reduce((a, p) => a + p.peakMb, 0),
      birdCpuPct: (100 * birdCpuS) / wallS,
      falseBfd: downs.bfd,
      bgpDrops: downs.bgp,
      own: `BFD Downs ${ownAfter.bfdDowns - ownBefore.bfdDowns}, BGP drops ${ownAfter.bgpDrops - ownBefore.bgpDrops}`,
      atEnd,
      loadStart,
      loadEnd,
    };
    console.log(
      `  after ${wallS.toFixed(0)} s: BIRD saw ${r.falseBfd} BFD Downs and ${r.bgpDrops} BGP drops; the hub counted ${r.own}; ` +
        `Established ${atEnd.established}/${n}, BFD Up ${atEnd.bfdUp}/${n}; ${loadEnd}`,
    );
    for (const p of procs) console.log(`    ${hub} ${p.name}: CPU ${p.cpuPct.toFixed(1)} % of one core, RSS ${p.rssMb.toFixed(0)} MB (peak ${p.peakMb.toFixed(0)} MB)`);
    console.log(`    spokes' BIRDs together: CPU ${r.birdCpuPct.toFixed(1)} % of one core`);
    console.log(`    the hub's own status of every session (${hub === 'bgpfo' ? 'GET /v1/status' : 'vtysh: show bfd peers counters json + show bgp neighbors json'}): ${statusMs.toFixed(0)} ms`);
    if (daemon) await daemon.stop(10_000);
    // BENCH_HUB_LOG=FILE keeps the hub daemon's log (JSON lines: when each session came up, and why not sooner).
    if (daemon && process.env.BENCH_HUB_LOG) writeFileSync(process.env.BENCH_HUB_LOG, daemon.process.log());
    return r;
  } finally {
    await lab.cleanup();
  }
}

/**
 * The hub's own count of BFD Downs and BGP sessions lost (bgpfo: its status endpoint; FRR: bfdd's counters and bgpd's
 * neighbors, through vtysh): what an operator's monitoring asks for; the bench times it.
 */
async function ownCount(hub: Hub, daemon: BgpfoDaemon | undefined, frr: Frr | undefined): Promise<{ bfdDowns: number; bgpDrops: number }> {
  if (hub === 'bgpfo') {
    const st = await daemon!.status();
    return { bfdDowns: st.sessions.reduce((a, x) => a + (x.liveness?.downs ?? 0), 0), bgpDrops: st.sessions.reduce((a, x) => a + x.flaps, 0) };
  }
  const counters = await frr!.vtyshJson<{ 'session-down'?: number }[]>('show bfd peers counters json').catch(() => []);
  const nbrs = await frr!.vtyshJson<Record<string, { connectionsDropped?: number }>>('show bgp neighbors json').catch(() => ({}));
  return {
    bfdDowns: counters.reduce((a, p) => a + (p['session-down'] ?? 0), 0),
    bgpDrops: Object.values(nbrs).reduce((a, p) => a + (p.connectionsDropped ?? 0), 0),
  };
}

const f1 = (x: number | undefined) => (x === undefined ? 'not all' : x.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? '-' : (a / b).toFixed(2));

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  PER = o.perBird;
  console.log(`hub benchmark: ${o.sessions} sessions${o.transit ? ' (transit: spokes learn each other\'s prefixes)' : ' (the hub sends its own prefix only)'}, BFD ${o.intervalMs} ms x ${MULT}, window ${o.windowS} s${o.frrWindowS !== undefined ? ` (FRR ${o.frrWindowS} s)` : ''}, hubs ${o.hubs.join(', ')}; before: ${await loadAverage()}`);
  const results: Result[] = [];
  for (const hub of o.hubs) results.push(await runHub(hub, o));
  console.log(
    '\n| hub | sessions | window (s) | all Established (s) | all BFD Up (s) | all routes in kernel (s) | all routes at the spokes (s) | hub CPU to start (s) | hub CPU over window (% of one core) | hub RSS end / peak (MB) | false BFD Downs (BIRD) | BGP drops (BIRD) | hub\'s own count | load start -> end |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const load = (l: string) => /load average: ([\d.]+)/.exec(l)?.[1] ?? '?';
  for (const r of results) {
    console.log(
      `| ${r.hub === 'bgpfo' ? 'bgpfo (main + BFD process + standby)' : 'FRR 8.4 (bgpd + bfdd + zebra)'} | ${r.n} | ${r.windowS.toFixed(0)} | ${f1(r.upEstablishedS)} | ${f1(r.upBfdS)} | ${f1(r.upRoutesS)} | ${f1(r.upOutS)} | ${r.startupCpuS.toFixed(1)} | ${((100 * r.windowCpuS) / r.windowS).toFixed(1)} | ${r.rssMb.toFixed(0)} / ${r.peakMb.toFixed(0)} | ${r.falseBfd} | ${r.bgpDrops} | ${r.own} | ${load(r.loadStart)} -> ${load(r.loadEnd)} |`,
    );
  }
  const b = results.find((r) => r.hub === 'bgpfo');
  const f = results.find((r) => r.hub === 'frr');
  if (b && f) {
    console.log(
      `\nbgpfo / FRR at ${o.sessions} sessions: all Established ${ratio(b.upEstablishedS, f.upEstablishedS)}, all BFD Up ${ratio(b.upBfdS, f.upBfdS)}, ` +
        `all routes ${ratio(b.upRoutesS, f.upRoutesS)}, all routes at the spokes ${ratio(b.upOutS, f.upOutS)}, CPU to start ${ratio(b.startupCpuS, f.startupCpuS)}, CPU over the window ${ratio(b.windowCpuS / b.windowS, f.windowCpuS / f.windowS)}, ` +
        `RSS ${ratio(b.rssMb, f.rssMb)} (peak ${ratio(b.peakMb, f.peakMb)}); false Downs ${b.falseBfd} vs ${f.falseBfd}, BGP drops ${b.bgpDrops} vs ${f.bgpDrops}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
