// Reading BFD session state from FRR bfdd (`show bfd peers json`) and BIRD (`show bfd sessions`) for the tests.
// Also builds their BFD configs for a peer list at one interval and multiplier.

import type { Bird, Frr } from '../harness';

export interface FrrBfdPeer {
  peer: string;
  local?: string;
  status: string; // "up" | "down" | "init" | "shutdown"
  diagnostic: string;
  'remote-receive-interval': number;
  'remote-transmit-interval': number;
  'remote-detect-multiplier': number;
  'receive-interval': number;
  'transmit-interval': number;
}

export async function frrBfdPeers(frr: Frr): Promise<Record<string, FrrBfdPeer>> {
  const list = await frr.vtyshJson<FrrBfdPeer[]>('show bfd peers json');
  return Object.fromEntries(list.map((p) => [p.peer, p]));
}

export function frrBfdConfig(peers: { peer: string; local: string }[], ms: number, mult: number): string {
  const lines = ['log stdout informational', 'bfd'];
  for (const p of peers) {
    lines.push(` peer ${p.peer} local-address ${p.local}`, `  receive-interval ${ms}`, `  transmit-interval ${ms}`, `  detect-multiplier ${mult}`, ' !');
  }
  lines.push('!', '');
  return lines.join('\n');
}

export interface BirdBfdSession {
  address: string;
  iface: string;
  state: string; // "Up" | "Down" | "Init" | "AdminDown"
  intervalS: number;
  timeoutS: number;
}

/** Rows of `show bfd sessions`: "IP address  Interface  State  Since  Interval  Timeout". */
export async function birdBfdSessions(bird: Bird): Promise<Record<string, BirdBfdSession>> {
  const out = await bird.birdc('show bfd sessions');
  const rows: Record<string, BirdBfdSession> = {};
  for (const line of out.split('\n')) {
    const c = line.trim().split(/\s+/);
    if (c.length < 6 || !/^[0-9a-f.:]+$/i.test(c[0]!) || !/^(Up|Down|Init|AdminDown)$/.test(c[2]!)) continue;
    rows[c[0]!] = { address: c[0]!, iface: c[1]!, state: c[2]!, intervalS: Number(c[c.length - 2]), timeoutS: Number(c[c.length - 1]) };
  }
  return rows;
}

export function birdBfdConfig(routerId: string, neighbors: string[], ms: number, mult: number, authLine = ''): string {
  return `router id ${routerId};
protocol device {}
protocol bfd {
  interface "*" { interval ${ms} ms; multiplier ${mult}; ${authLine} };
${neighbors.map((n) => `  neighbor ${n};`).join('\n')}
}
`;
}
