// Daemon logs: pino JSON lines or pino-pretty's readable lines (--log-format), the version on the start line,
// and a warning when fib.mode auto ends up with no FIB.

import { PassThrough } from 'node:stream';
import { parseConfig } from '../../../src/config';
import { daemonLogger, logStart } from '../../../src/cli/logging';
import { setupFib } from '../../../src/daemon/fib-setup';
import { FakeClock } from '../../../src/util/clock';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString()));
  return { stream, text: () => out };
}

describe('--log-format', () => {
  test('json: one object per line, as pino writes it (jq, Loki, journald)', async () => {
    const c = capture();
    const log = await daemonLogger('info', 'json', c.stream);
    logStart(log, '9.8.7', '/etc/bgpfo/bgpfo.yaml');
    log.flush?.();
    await new Promise((r) => setImmediate(r));
    const line = JSON.parse(c.text().trim().split('\n')[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, msg: 'bgpfo 9.8.7 starting', version: '9.8.7', node: process.version, config: '/etc/bgpfo/bgpfo.yaml' });
  });

  test('pretty: a local time, the level name and the message on one readable line', async () => {
    const c = capture();
    const log = await daemonLogger('info', 'pretty', c.stream);
    logStart(log, '9.8.7', '/etc/bgpfo/bgpfo.yaml');
    log.warn({ neighbor: 'tun-a1' }, 'hold timer expired');
    await new Promise((r) => setImmediate(r));
    const lines = c.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: bgpfo 9\.8\.7 starting$/);
    expect(c.text()).toContain('version: "9.8.7"');
    expect(c.text()).toMatch(/WARN: hold timer expired\n\s+neighbor: "tun-a1"/);
    expect(c.text()).not.toMatch(/"level":|pid/);
  });
});

describe('fib.mode auto', () => {
  const config = (mode: string) => parseConfig(`router: { asn: 65001, router-id: 10.0.0.1 }\nfib: { mode: ${mode} }\n`, 'c.yaml');

  async function fibLog(mode: string, autoMode: 'kernel' | 'none'): Promise<{ level: number; msg: string }[]> {
    const c = capture();
    const log = await daemonLogger('info', 'json', c.stream);
    const fib = await setupFib(config(mode), log, { clock: new FakeClock(), autoMode });
    expect(fib.mode).toBe('none');
    await fib.close({ flush: false });
    await new Promise((r) => setImmediate(r));
    return c
      .text()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string });
  }

  test('auto that finds no kernel FIB warns that routes are not installed, and says what to do', async () => {
    const lines = await fibLog('auto', 'none');
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringMatching(/^fib\.mode auto: no FIB .*NOT installed.*set fib\.mode: none if that is meant$/) }));
  });

  test('none chosen explicitly is only an info line', async () => {
    const lines = await fibLog('none', 'none');
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 30, msg: 'no FIB: routes are not installed' }));
  });
});
