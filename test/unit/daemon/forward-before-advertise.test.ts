// Forward before you advertise (architecture convention 14): with a forwarding stage, a learned route reaches the
// peers only once the stage acknowledged it; a prefix left with no path is withdrawn before the kernel loses it.

import { Speaker, type ForwardingAck, type ForwardingStage } from '../../../src/daemon';
import type { RibChange } from '../../../src/rib';
import { announce4, config, fakeSessions, silent, withdraw4 } from './helpers';

const YAML = `
router: { asn: 65001, router-id: 10.0.0.1 }
originate: [10.1.0.0/16]
control: { socket: /tmp/bgpfo-unit-never-bound.sock }
neighbors:
  - { name: gw, address: 169.254.21.1, local-address: 169.254.21.2, remote-asn: 64512, families: [ipv4-unicast] }
  - { name: lan, address: 10.255.0.1, local-address: 10.255.0.2, remote-asn: 65100, families: [ipv4-unicast], export: { learned: ["10.0.0.0/8 le 24"] } }
`;

/** A forwarding plane the test acknowledges by hand, recording what it was given and when. */
class ManualStage implements ForwardingStage {
  readonly batches: { changes: readonly RibChange[]; ack: (a?: Partial<ForwardingAck>) => void }[] = [];
  readonly log: string[] = [];
  install(changes: readonly RibChange[]): Promise<ForwardingAck> {
    this.log.push(`install ${changes.map((c) => `${c.prefix}${c.best ? '' : '(gone)'}`).join(',')}`);
    return new Promise((resolve) => this.batches.push({ changes, ack: (a) => resolve({ refused: a?.refused ?? [] }) }));
  }
  async ackAll(a?: Partial<ForwardingAck>): Promise<void> {
    while (this.batches.length > 0) this.batches.shift()!.ack(a);
    await new Promise((r) => setImmediate(r));
  }
}

/** Acknowledges every batch until the speaker has nothing left to do. */
async function pump(speaker: Speaker, stage: ManualStage): Promise<void> {
  for (;;) {
    await tick(speaker);
    if (stage.batches.length === 0 && !speaker.loop.busy) return;
    await stage.ackAll();
  }
}

async function tick(speaker: Speaker): Promise<void> {
  await speaker.loop.whenIdle();
  await new Promise((r) => setImmediate(r));
  await speaker.loop.whenIdle();
}

function setup() {
  const sessions = fakeSessions();
  const speaker = new Speaker(config(YAML), { logger: silent, createSession: sessions.create });
  const stage = new ManualStage();
  speaker.setForwardingStage(stage);
  speaker.start();
  return { speaker, stage, s: sessions.get };
}

const announcedTo = (s: ReturnType<typeof setup>['s'], name: string) => s(name).announced().map((a) => a.prefix);

describe('forward before advertise', () => {
  test('a learned route goes to the other peers only after the forwarding plane acknowledged it', async () => {
    const { speaker, stage, s } = setup();
    await tick(speaker);
    await stage.ackAll(); // the originated prefix
    s('gw').establish();
    s('lan').establish();
    await tick(speaker);
    s('gw').emit('update', announce4(['10.20.0.0/16'], [64512], '169.254.21.1'));
    await tick(speaker);
    expect(stage.batches).toHaveLength(1);
    expect(announcedTo(s, 'lan')).not.toContain('10.20.0.0/16');
    stage.batches.shift()!.ack();
    await speaker.settled();
    expect(announcedTo(s, 'lan')).toContain('10.20.0.0/16');
  });

  test('a prefix left with no path is withdrawn from the peers before the forwarding plane is told', async () => {
    const { speaker, stage, s } = setup();
    s('gw').establish();
    s('lan').establish();
    await tick(speaker);
    s('gw').emit('update', announce4(['10.20.0.0/16'], [64512], '169.254.21.1'));
    await pump(speaker, stage);
    expect(announcedTo(s, 'lan')).toContain('10.20.0.0/16');
    s('gw').emit('update', withdraw4(['10.20.0.0/16']));
    await tick(speaker);
    // The install of the removal is still unacknowledged, and the peer already has the withdrawal.
    expect(stage.batches.map((b) => b.changes.map((c) => c.prefix))).toEqual([['10.20.0.0/16']]);
    expect(s('lan').withdrawn()).toContain('10.20.0.0/16');
    await stage.ackAll();
    await speaker.settled();
  });

  test('a route the kernel refused is not advertised, and is once a later batch installs it', async () => {
    const { speaker, stage, s } = setup();
    s('gw').establish();
    s('lan').establish();
    await tick(speaker);
    await stage.ackAll();
    s('gw').emit('update', announce4(['10.20.0.0/16', '10.30.0.0/16'], [64512], '169.254.21.1'));
    await tick(speaker);
    await stage.ackAll({ refused: ['10.30.0.0/16'] });
    await tick(speaker);
    expect(announcedTo(s, 'lan')).toContain('10.20.0.0/16');
    expect(announcedTo(s, 'lan')).not.toContain('10.30.0.0/16');
    expect(speaker.unforwardedCount).toBe(1);
    // The same route again with another attribute: this time the kernel takes it.
    s('gw').emit('update', announce4(['10.30.0.0/16'], [64512, 64999], '169.254.21.1'));
    await tick(speaker);
    await stage.ackAll();
    await speaker.settled();
    expect(announcedTo(s, 'lan')).toContain('10.30.0.0/16');
    expect(speaker.unforwardedCount).toBe(0);
  });

  test('a session coming up while a batch is in flight gets the held prefixes once they are forwarded', async () => {
    const { speaker, stage, s } = setup();
    s('gw').establish();
    await tick(speaker);
    await stage.ackAll();
    s('gw').emit('update', announce4(['10.20.0.0/16'], [64512], '169.254.21.1'));
    await tick(speaker);
    expect(stage.batches).toHaveLength(1);
    s('lan').establish();
    await tick(speaker);
    // Our own prefix needs no kernel route and goes at once; the learned one waits for the kernel.
    expect(announcedTo(s, 'lan')).toEqual(['10.1.0.0/16']);
    await stage.ackAll();
    await speaker.settled();
    expect(announcedTo(s, 'lan')).toEqual(['10.1.0.0/16', '10.20.0.0/16']);
  });

  test('only one batch is in the forwarding plane at a time; changes meanwhile coalesce', async () => {
    const { speaker, stage, s } = setup();
    s('gw').establish();
    await tick(speaker);
    await stage.ackAll();
    s('gw').emit('update', announce4(['10.20.0.0/16'], [64512], '169.254.21.1'));
    await tick(speaker);
    s('gw').emit('update', announce4(['10.20.0.0/16'], [64512, 64512], '169.254.21.1'));
    s('gw').emit('update', announce4(['10.20.0.0/16'], [64512, 64512, 64512], '169.254.21.1'));
    await tick(speaker);
    expect(stage.batches).toHaveLength(1);
    await stage.ackAll();
    await tick(speaker);
    expect(stage.batches).toHaveLength(1); // the two later changes, as one
    await stage.ackAll();
    await speaker.settled();
  });

  test('without a stage (fib.mode none) routes are advertised as soon as they are selected', async () => {
    const sessions = fakeSessions();
    const speaker = new Speaker(config(YAML), { logger: silent, createSession: sessions.create });
    speaker.start();
    sessions.get('gw').establish();
    sessions.get('lan').establish();
    await speaker.settled();
    sessions.get('gw').emit('update', announce4(['10.20.0.0/16'], [64512], '169.254.21.1'));
    await speaker.settled();
    expect(sessions.get('lan').announced().map((a) => a.prefix)).toContain('10.20.0.0/16');
  });

  test('a fence fires once every change made before it is forwarded (End-of-RIB waits for the kernel)', async () => {
    const { speaker, stage, s } = setup();
    s('gw').establish();
    await pump(speaker, stage);
    s('gw').emit('update', announce4(['10.20.0.0/16'], [64512], '169.254.21.1'));
    await speaker.loop.whenIdle(); // imported: pending in the Loc-RIB, not drained yet
    const fired: string[] = [];
    speaker.afterForwarded(() => fired.push('first'));
    await tick(speaker);
    expect(stage.batches).toHaveLength(1); // drained into the kernel, not acknowledged
    expect(fired).toEqual([]);
    // Nothing pending now, but the batch in flight holds what came before: this one waits for it too.
    speaker.afterForwarded(() => fired.push('second'));
    await stage.ackAll();
    await tick(speaker);
    expect(fired).toEqual(['first', 'second']);
    speaker.afterForwarded(() => fired.push('idle'));
    await tick(speaker);
    expect(fired).toEqual(['first', 'second', 'idle']);
  });

  test("End-of-RIB: 'routes-complete' comes once the routes before it are in the kernel", async () => {
    const { speaker, stage, s } = setup();
    const complete: string[] = [];
    speaker.on('routes-complete', (name, family) => complete.push(`${name} ${family}`));
    s('gw').establish();
    await pump(speaker, stage);
    s('gw').emit('update', announce4(['10.20.0.0/16', '10.21.0.0/16'], [64512], '169.254.21.1'));
    s('gw').emit('end-of-rib', 'ipv4-unicast');
    await tick(speaker);
    expect(complete).toEqual([]);
    await pump(speaker, stage);
    expect(complete).toEqual(['gw ipv4-unicast']);
  });
});
