// `bgpfo drill NEIGHBOR`: a failover drill against the running daemon (src/drill does the work): refuses when the
// site could lose its last healthy path, drains (or with --blackhole blackholes) the tunnel, measures, restores.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_SOCKET } from '../api/client';
import { loadConfig } from '../config';
import type { CliIo } from './main';

export class DrillFailed extends Error {
  readonly code = 'ERR_DRILL_FAILED';
}

function int(min: number, max: number) {
  return (v: string): number => {
    if (!/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) throw new InvalidArgumentError(`expected an integer ${min}..${max}.`);
    return Number(v);
  };
}
const collect = (v: string, prev: string[] = []) => [...prev, v];

interface DrillCliOptions {
  socket?: string;
  config?: string;
  blackhole?: boolean;
  slaMs: number;
  probe?: string[];
  source?: string;
  probeIntervalMs: number;
  holdS: number;
  timeoutS: number;
  peer?: string[];
  allowDegraded?: boolean;
  maxLoss?: number;
  report?: string;
  json?: boolean;
}

export function registerDrillCommands(program: Command, io: CliIo): void {
  const env = io.env ?? process.env;
  program
    .command('drill')
    .description('failover drill: drain (or --blackhole) one tunnel, measure detection and failover against an SLA, restore')
    .argument('<neighbor>', 'the tunnel neighbor to drill (name or peer address)')
    .option('-s, --socket <path>', `control socket (default: $BGPFO_SOCKET or ${DEFAULT_SOCKET})`)
    .option('-c, --config <file>', 'take the control socket path from this config file')
    .requiredOption('--sla-ms <ms>', 'the failover must be done within this many ms (injection to kernel FIB change)', int(1, 3_600_000))
    .option('--blackhole', 'blackhole the tunnel with nftables instead of draining it (traffic on it is lost until failover)')
    .option('--probe <address>', 'also ping this address beyond the tunnels (repeatable): a far LAN host', collect)
    .option('--source <address>', 'source address for --probe pings (one the far side routes back)')
    .option('--probe-interval-ms <ms>', 'ping interval', int(2, 1000), 10)
    .option('--hold-s <s>', 'keep the fault this long after the traffic moved', int(0, 3600), 2)
    .option('--timeout-s <s>', 'longest wait for the failover, and for the restore', int(1, 3600), 30)
    .option('--peer <neighbor>', "the site's other tunnels (repeatable; default: every other session to the same AS)", collect)
    .option('--allow-degraded', 'start even if another tunnel is down (never when a prefix would lose its last path)')
    .option('--max-loss <n>', 'replies the --probe pings may lose (default: 0 for a drain)', int(0, 1e9))
    .option('--report <dir>', 'write drill.json and drill.txt there')
    .option('--json', 'print the report as JSON')
    .action(async (neighbor: string, o: DrillCliOptions) => {
      const { runDrill, formatDrill } = await import('../drill');
      const socket = o.socket ?? (o.config ? loadConfig(o.config).control.socket : env.BGPFO_SOCKET || DEFAULT_SOCKET);
      const ac = new AbortController();
      const stop = () => {
        io.err('interrupted: restoring\n');
        ac.abort();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      let report;
      try {
        report = await runDrill({
          socket,
          target: neighbor,
          mode: o.blackhole ? 'blackhole' : 'drain',
          slaMs: o.slaMs,
          ...(o.probe ? { probes: o.probe } : {}),
          ...(o.source ? { source: o.source } : {}),
          probeIntervalMs: o.probeIntervalMs,
          holdS: o.holdS,
          timeoutS: o.timeoutS,
          ...(o.peer ? { peers: o.peer } : {}),
          ...(o.allowDegraded ? { allowDegraded: true } : {}),
          ...(o.maxLoss !== undefined ? { maxLoss: o.maxLoss } : {}),
          signal: ac.signal,
          progress: (l) => io.err(l + '\n'),
        });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      const text = formatDrill(report);
      if (o.report) {
        mkdirSync(o.report, { recursive: true });
        writeFileSync(join(o.report, 'drill.json'), JSON.stringify(report, null, 1) + '\n');
        writeFileSync(join(o.report, 'drill.txt'), text + '\n');
      }
      io.out(o.json ? JSON.stringify(report, null, 1) + '\n' : text + '\n');
      if (!report.passed) throw new DrillFailed(`drill of ${report.target} failed: ${report.verdicts.filter((v) => v.startsWith('FAIL')).join('; ')}`);
    });
}
