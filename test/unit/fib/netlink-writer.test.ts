// The netlink writer's bookkeeping against a stand-in helper (a script speaking the helper's protocol): refusals matched
// to their ops by sequence number across concurrent batches, interface-index questions, a dying helper's requests
// reported as of unknown outcome (never dropped), and a new helper after that. The kernel side is fib-netlink.test.ts.

import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KernelOp } from '../../../src/fib/dataplane';
import { NetlinkChannel, NetlinkWriter } from '../../../src/fib/netlink-writer';

let dir: string;
let helper: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-nl-'));
  helper = join(dir, 'helper');
  // Refuses routes to 66.0.0.0/8 (errno 22, with an extack text), dies on 99.0.0.0/8, acks what asks for it, knows
  // one interface (va: 7). Answers a whole read at once, as the real helper answers a whole sendmsg.
  writeFileSync(
    helper,
    `#!${process.execPath}
let buf = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  const out = [];
  while (buf.length >= 16 && buf.readUInt32LE(0) <= buf.length) {
    const len = buf.readUInt32LE(0), type = buf.readUInt16LE(4), flags = buf.readUInt16LE(6), seq = buf.readUInt32LE(8);
    const msg = buf.subarray(0, len);
    buf = buf.subarray(len);
    require('fs').appendFileSync(__filename + '.order', type + '/' + len + ' ');
    if (type === 0xb601) { out.push('I ' + seq + ' ' + (msg.toString('utf8', 16).replace(/\\0+$/, '') === 'va' ? 7 : 0)); continue; }
    const first = msg[28 + 4];
    if (first === 99) { process.stdout.write(out.join('\\n') + '\\n'); process.stderr.write('bgpfo-netlink: overrun\\n'); process.exit(3); }
    if (first === 66) out.push('E ' + seq + ' 22 Error: refused ' + first + '.');
    else if (flags & 4) out.push('A ' + seq);
  }
  if (out.length) process.stdout.write(out.join('\\n') + '\\n');
});
`,
  );
  chmodSync(helper, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx = { table: 100, protocol: 201, metric: 20 };
const add = (prefix: string): KernelOp => ({ kind: 'route-add', prefix, nhid: 1 });

describe('NetlinkChannel', () => {
  it('matches refusals to their ops by sequence, batch by batch and across concurrent batches', async () => {
    const ch = new NetlinkChannel({ helperPath: helper });
    expect(await ch.run([add('10.0.0.0/24'), add('66.0.0.0/24'), add('10.0.1.0/24')], ctx)).toEqual([{ index: 1, message: 'Error: refused 66.' }]);
    const [x, y, z] = await Promise.all([
      ch.run([add('66.1.0.0/24'), add('10.0.2.0/24')], ctx),
      ch.run([add('10.0.3.0/24'), add('10.0.4.0/24'), add('66.2.0.0/24')], ctx),
      ch.run([add('10.0.5.0/24')], ctx),
    ]);
    expect(x).toEqual([{ index: 0, message: 'Error: refused 66.' }]);
    expect(y).toEqual([{ index: 2, message: 'Error: refused 66.' }]);
    expect(z).toEqual([]);
    // A large batch: the answers arrive in many pieces of stdout; every refusal still lands on its op.
    const big = Array.from({ length: 50_000 }, (_, i) => add(i % 997 === 0 ? `66.${i >> 8 & 255}.${i & 255}.0/24` : `10.${i >> 8 & 255}.${i & 255}.0/24`));
    const failed = await ch.run(big, ctx);
    expect(failed.map((f) => f.index)).toEqual(big.flatMap((_, i) => (i % 997 === 0 ? [i] : [])));
    await ch.close();
  });

  it('answers interface-index questions, and an op on a missing interface fails without reaching the helper', async () => {
    const ch = new NetlinkChannel({ helperPath: helper });
    const idx = await ch.ifindexes(['va', 'nope', 'va']);
    expect([...idx]).toEqual([['va', 7], ['nope', 0]]);
    const nh: KernelOp[] = [
      { kind: 'nh', id: 5, gateway: '10.0.0.2', ifname: 'va' },
      { kind: 'nh', id: 6, gateway: '10.0.0.2', ifname: 'nope' },
    ];
    expect(await ch.run(nh, ctx, idx)).toEqual([{ index: 1, message: 'Cannot find device "nope"' }]);
    await ch.close();
  });

  it('a helper that dies fails its outstanding batches as unknown, says why, and a new one takes the next batch', async () => {
    const ch = new NetlinkChannel({ helperPath: helper });
    const before = ch.run([add('66.0.0.0/24')], ctx);
    const dying = ch.run([add('10.0.0.0/24'), add('99.0.0.0/24'), add('10.0.1.0/24')], ctx);
    expect(await before).toEqual([{ index: 0, message: 'Error: refused 66.' }]);
    await expect(dying).rejects.toThrow(/bgpfo-netlink exited \(3\): bgpfo-netlink: overrun/);
    expect(await ch.run([add('66.0.0.0/24'), add('10.0.0.0/24')], ctx)).toEqual([{ index: 0, message: 'Error: refused 66.' }]);
    await ch.close();
    await expect(ch.run([add('10.0.0.0/24')], ctx)).rejects.toThrow(/closed/);
  });
});

describe('NetlinkWriter', () => {
  it('writes object batches in call order, even when the first must ask for interface indexes', async () => {
    const log = `${helper}.order`; // the stand-in logs the type and length of every message it reads
    rmSync(log, { force: true });
    const w = new NetlinkWriter({ helperPath: helper }, ctx);
    const nh = w.applyObjects([{ kind: 'nh', id: 5, gateway: '10.0.0.2', ifname: 'va' }]);
    const group = w.applyObjects([{ kind: 'group', id: 9, members: [5] }]);
    expect(await Promise.all([nh, group])).toEqual([[], []]);
    await w.close();
    // The interface question (0xb601), then the nexthop (104, 48 bytes), then the group (104, 44 bytes): not the group first.
    expect(readFileSync(log, 'utf8').trim().split(' ')).toEqual([`${0xb601}/20`, '104/48', '104/44']);
  });

  it("hands a failover's group batch to the helper within the caller's turn, not after the rest of it", async () => {
    const w = new NetlinkWriter({ helperPath: helper }, ctx);
    const run = jest.spyOn(NetlinkChannel.prototype, 'run');
    // Handled at once: a failed expectation must not leave a batch's rejection (writer closed) unhandled.
    const handled = <T,>(p: Promise<T>): Promise<T> => (p.catch(() => undefined), p);
    try {
      // Alone: written before applyObjects returns (the failover core stops the dead session only after this).
      const group = handled(w.applyObjects([{ kind: 'group', id: 9, members: [5] }]));
      expect(run).toHaveBeenCalledTimes(1);
      // Behind a batch still asking for interface indexes: it waits its turn (call order is kept).
      const nh = handled(w.applyObjects([{ kind: 'nh', id: 5, gateway: '10.0.0.2', ifname: 'va' }]));
      const after = handled(w.applyObjects([{ kind: 'group', id: 9, members: [5] }]));
      expect(run).toHaveBeenCalledTimes(1);
      expect(await Promise.all([group, nh, after])).toEqual([[], [], []]);
      expect(run).toHaveBeenCalledTimes(3);
      // Once nothing asks, a group batch goes out at once again.
      const last = handled(w.applyObjects([{ kind: 'group', id: 9, members: [5] }]));
      expect(run).toHaveBeenCalledTimes(4);
      expect(await last).toEqual([]);
    } finally {
      run.mockRestore();
      await w.close();
    }
  });
});
