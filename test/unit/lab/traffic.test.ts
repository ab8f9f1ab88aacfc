// Test traffic: the probe datagram, per-flow counting with gaps and reordering (driven by a fake clock), the
// report that says what a failover cost, and real flows over the loopback (no root needed).

import { FakeClock } from '../../../src/util/clock';
import { decodeProbe, encodeProbe, FlowReceiver, receiveFlows, sendFlows, trafficReport } from '../../../src/lab/traffic';

describe('probe datagram', () => {
  it('round-trips flow and sequence, padded to the size asked for', () => {
    const b = encodeProbe(513, 70000, 100);
    expect(b.length).toBe(100);
    expect(decodeProbe(b)).toEqual({ flow: 513, seq: 70000 });
  });
  it('ignores datagrams that are not ours', () => {
    expect(decodeProbe(Buffer.from('hello world!'))).toBeUndefined();
    expect(decodeProbe(encodeProbe(1, 1).subarray(0, 9))).toBeUndefined();
  });
});

describe('FlowReceiver', () => {
  it('measures the longest gap per flow and counts reordered packets', () => {
    const clock = new FakeClock();
    const rx = new FlowReceiver(clock);
    const at = (ms: number, flow: number, seq: number) => {
      clock.advance(ms);
      rx.onPacket(encodeProbe(flow, seq));
    };
    at(0, 0, 0);
    at(10, 1, 0);
    at(10, 0, 1); // flow 0: 20 ms
    at(300, 0, 5); // flow 0: a 300 ms hole (seq 2..4 lost)
    at(10, 0, 4); // late
    at(10, 1, 1); // flow 1: 330 ms since its first
    rx.onPacket(Buffer.from('noise'));
    expect(rx.report()).toEqual({
      '0': { received: 4, maxSeq: 5, maxGapMs: 300, reordered: 1 },
      '1': { received: 2, maxSeq: 1, maxGapMs: 330, reordered: 0 },
    });
  });
});

describe('trafficReport', () => {
  it('counts loss per flow against what was sent; a flow never heard from lost everything', () => {
    const r = trafficReport({ sent: [10, 10, 100], pps: 30, seconds: 1 }, { flows: { '0': { received: 10, maxSeq: 9, maxGapMs: 110, reordered: 0 }, '1': { received: 7, maxSeq: 9, maxGapMs: 290.5, reordered: 2 } }, rcvbufErrors: 0 });
    // Flow 2 sent 100 packets 100 ms apart and none arrived: cut off for the whole run.
    expect(r).toEqual({ flows: 3, sent: 120, received: 17, lost: 103, flowsWithLoss: 2, flowsNotRecovered: 1, longestGapMs: 10000, flowIntervalMs: 100, reordered: 2, droppedByReceiver: 0 });
  });

  it('a flow cut off at the end counts its lost tail as a gap, though no later packet closed it', () => {
    // 40 packets each 100 ms apart; the last one received was seq 19: 20 more never arrived.
    const r = trafficReport({ sent: [40], pps: 10, seconds: 4 }, { flows: { '0': { received: 20, maxSeq: 19, maxGapMs: 101, reordered: 0 } }, rcvbufErrors: 0 });
    expect(r).toMatchObject({ lost: 20, flowsNotRecovered: 1, longestGapMs: 2100 });
  });

  it('packets the receiving socket dropped are told apart from the loss, never more than it', () => {
    const flows = { '0': { received: 30, maxSeq: 39, maxGapMs: 101, reordered: 0 } };
    expect(trafficReport({ sent: [40], pps: 10, seconds: 4 }, { flows, rcvbufErrors: 6 })).toMatchObject({ lost: 10, droppedByReceiver: 6 });
    // Drops of another socket in the namespace cannot make the network's loss negative.
    expect(trafficReport({ sent: [40], pps: 10, seconds: 4 }, { flows, rcvbufErrors: 50 })).toMatchObject({ lost: 10, droppedByReceiver: 10 });
  });
});

describe('flows over the loopback', () => {
  it('every packet of every flow arrives, each flow from its own source port', async () => {
    const rx = await receiveFlows(0);
    const sent = await sendFlows({ to: '127.0.0.1', port: rx.port, flows: 8, pps: 400, seconds: 0.5 });
    await new Promise((r) => setTimeout(r, 100));
    const got = rx.stop();
    expect(sent.sent.reduce((a, b) => a + b, 0)).toBe(200);
    expect(Object.keys(got.flows)).toHaveLength(8);
    expect(trafficReport(sent, got)).toMatchObject({ flows: 8, sent: 200, lost: 0, flowsWithLoss: 0 });
  });

  it('over IPv6 too: the sender follows the address, the receiver listens on IPv6 only', async () => {
    const rx = await receiveFlows(0, undefined, 6);
    const sent = await sendFlows({ to: '::1', port: rx.port, flows: 4, pps: 400, seconds: 0.5 });
    // An IPv4 datagram to the same port is not the IPv6 receiver's.
    await sendFlows({ to: '127.0.0.1', port: rx.port, flows: 1, pps: 100, seconds: 0.1 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const got = rx.stop();
    expect(trafficReport(sent, got)).toMatchObject({ flows: 4, sent: 200, received: 200, lost: 0 });
    expect(Object.values(got.flows).reduce((a, f) => a + f.received, 0)).toBe(200);
  });
});
