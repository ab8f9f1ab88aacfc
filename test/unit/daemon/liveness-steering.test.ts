// Probe-mode steering: the halves of a prefix, the plan (survivors to the same far AS only, guards for host routes
// and for no survivor), and in the daemon: halves advertised only over the surviving session, withdrawn on recovery.

import { halvesOf, planSteering, type SteeringSession } from '../../../src/daemon/steering';
import { announce4 } from './helpers';
import { livenessSetup } from './liveness-helpers';

describe('halvesOf', () => {
  test.each([
    ['10.60.0.0/16', ['10.60.0.0/17', '10.60.128.0/17']],
    ['10.60.4.0/23', ['10.60.4.0/24', '10.60.5.0/24']],
    ['10.60.4.128/31', ['10.60.4.128/32', '10.60.4.129/32']],
    ['0.0.0.0/0', ['0.0.0.0/1', '128.0.0.0/1']],
    ['2001:db8:60::/48', ['2001:db8:60::/49', '2001:db8:60:8000::/49']],
    ['2001:db8::/127', ['2001:db8::/128', '2001:db8::1/128']],
  ])('%s', (p, h) => expect(halvesOf(p)).toEqual(h));

  test('host routes cannot be split', () => {
    expect(halvesOf('10.9.9.9/32')).toBeUndefined();
    expect(halvesOf('2001:db8::1/128')).toBeUndefined();
  });
});

describe('planSteering', () => {
  const sess = (name: string, o: Partial<SteeringSession> = {}): SteeringSession => ({ name, remoteAsn: 64512, ebgp: true, alive: true, exports: () => true, ...o });

  test('halves go to the live eBGP sessions to the same far AS that advertise the parent', () => {
    const plan = planSteering(
      [{ name: 'a', remoteAsn: 64512, affected: ['10.60.0.0/16', '10.61.0.0/16'] }],
      [
        sess('a'),
        sess('b'),
        sess('c', { exports: (p) => p === '10.61.0.0/16' }),
        sess('dead', { alive: false }),
        sess('twin', { ebgp: false, remoteAsn: 65001 }),
        sess('other-as', { remoteAsn: 64999 }),
      ],
      new Set(),
    );
    expect(Object.fromEntries([...plan.halves].map(([p, s]) => [p, [...s].sort()]))).toEqual({
      '10.60.0.0/17': ['b'],
      '10.60.128.0/17': ['b'],
      '10.61.0.0/17': ['b', 'c'],
      '10.61.128.0/17': ['b', 'c'],
    });
    expect(plan.skipped).toEqual([]);
  });

  test('guards: no survivor, a host route, a half configured already', () => {
    const plan = planSteering(
      [{ name: 'a', remoteAsn: 64512, affected: ['10.60.0.0/16', '10.9.9.9/32', '10.70.0.0/24'] }],
      [sess('a'), sess('b', { exports: (p) => p !== '10.60.0.0/16' })],
      new Set(['10.70.0.128/25']),
    );
    expect([...plan.halves.keys()]).toEqual(['10.70.0.0/25']);
    expect(plan.skipped).toEqual([
      { tunnel: 'a', prefix: '10.60.0.0/16', why: 'no surviving session to AS 64512 advertises it' },
      { tunnel: 'a', prefix: '10.9.9.9/32', why: 'a host route cannot be split into halves' },
      { tunnel: 'a', prefix: '10.70.0.128/25', why: 'originated by configuration already' },
    ]);
  });

  test('a half a peer already gives us is not originated over it (it would leave the kernel FIB)', () => {
    const plan = planSteering(
      [{ name: 'a', remoteAsn: 64512, affected: ['10.10.0.0/16'] }],
      [sess('a'), sess('b')],
      new Set(),
      (p) => p === '10.10.128.0/17',
    );
    expect([...plan.halves.keys()]).toEqual(['10.10.0.0/17']);
    expect(plan.skipped).toEqual([{ tunnel: 'a', prefix: '10.10.128.0/17', why: 'learned from a peer already' }]);
  });

  test('two dead tunnels: neither is a survivor of the other; halves merge', () => {
    const plan = planSteering(
      [
        { name: 'a', remoteAsn: 64512, affected: ['10.60.0.0/16'] },
        { name: 'b', remoteAsn: 64512, affected: ['10.60.0.0/16'] },
      ],
      [sess('a'), sess('b'), sess('c')],
      new Set(),
    );
    expect([...plan.halves.values()].map((s) => [...s])).toEqual([['c'], ['c']]);
  });
});

const YAML = `
router: { asn: 65001, router-id: 10.0.0.1 }
originate: [10.60.0.0/16, 10.9.9.9/32]
control: { socket: /tmp/bgpfo-unit-never-bound.sock }
neighbors:
  - name: aws-1
    address: 169.254.21.1
    local-address: 169.254.21.2
    remote-asn: 64512
    families: [ipv4-unicast]
    liveness: { mode: probe, interval-ms: 50, dampening: false, steering: { more-specifics: true } }
  - name: aws-2
    address: 169.254.22.1
    local-address: 169.254.22.2
    remote-asn: 64512
    families: [ipv4-unicast]
    liveness: { mode: probe, interval-ms: 50, dampening: false, steering: { more-specifics: true } }
  - { name: lan, address: 10.60.0.2, local-address: 10.60.0.1, remote-asn: 65001, families: [ipv4-unicast] }
  - { name: other, address: 169.254.30.1, local-address: 169.254.30.2, remote-asn: 64999, families: [ipv4-unicast] }
`;

const A = '169.254.21.1';
const B = '169.254.22.1';
const HALVES = ['10.60.0.0/17', '10.60.128.0/17'];

async function allUp() {
  const env = livenessSetup(YAML);
  const { s, tunnel, speaker } = env;
  tunnel(A).change('up', '3 consecutive replies');
  tunnel(B).change('up', '3 consecutive replies');
  for (const n of ['aws-1', 'aws-2', 'lan', 'other']) s(n).establish();
  await speaker.settled();
  return env;
}

describe('steering in the daemon', () => {
  test('a dead probe tunnel: halves over the surviving session only, withdrawn when the tunnel is back', async () => {
    const { s, tunnel, speaker, controller } = await allUp();
    const announcedBy = (n: string) => s(n).announced().map((a) => a.prefix);
    expect(announcedBy('aws-2')).toEqual(['10.60.0.0/16', '10.9.9.9/32']);

    tunnel(A).change('down', 'no reply to icmp_seq 8-10 (3 x 50 ms)');
    await speaker.settled();
    expect(s('aws-1').state).toBe('Idle');
    expect(announcedBy('aws-2').filter((p) => HALVES.includes(p))).toEqual(HALVES);
    // The twin, the LAN router and another AS never see them; nor does the dead session.
    for (const n of ['lan', 'other']) expect(announcedBy(n).some((p) => HALVES.includes(p))).toBe(false);
    expect(s('aws-1').announced().some((a) => HALVES.includes(a.prefix))).toBe(false);
    // The halves carry our AS and next hop like the parent does.
    const half = s('aws-2').announced().find((a) => a.prefix === HALVES[0])!.update;
    expect(half.attributes.nextHop).toBe('169.254.22.2');
    expect(controller.sessionStatus('aws-1').liveness).toMatchObject({ verdict: 'down', steering: HALVES });
    expect(speaker.locRib.get(HALVES[0])!.best.peer.local).toBe(true);

    tunnel(A).change('up', '3 consecutive replies');
    await speaker.settled();
    expect(s('aws-2').withdrawn()).toEqual(HALVES);
    expect(speaker.locRib.get(HALVES[0])).toBeUndefined();
    expect(controller.sessionStatus('aws-1').liveness!.steering).toBeUndefined();
  });

  test('no survivor, no halves; the last survivor dying withdraws them', async () => {
    const { s, tunnel, speaker } = await allUp();
    tunnel(A).change('down');
    await speaker.settled();
    expect(s('aws-2').announced().filter((a) => HALVES.includes(a.prefix))).toHaveLength(2);
    tunnel(B).change('down');
    await speaker.settled();
    expect(speaker.locRib.get(HALVES[0])).toBeUndefined();
    expect(s('aws-2').state).toBe('Idle');
    for (const n of ['lan', 'other']) expect(s(n).announced().some((a) => HALVES.includes(a.prefix))).toBe(false);
  });

  test('a survivor whose session comes up later gets the halves then', async () => {
    const { s, tunnel, speaker } = livenessSetup(YAML);
    tunnel(A).change('up');
    tunnel(B).change('up');
    s('aws-1').establish();
    await speaker.settled();
    tunnel(A).change('down');
    await speaker.settled();
    expect(speaker.locRib.get(HALVES[0])).toBeUndefined(); // aws-2 is not Established: nobody survives
    s('aws-2').establish();
    s('aws-2').emit('update', announce4(['10.50.0.0/16'], [64512], B));
    await speaker.settled();
    expect(s('aws-2').announced().map((a) => a.prefix)).toEqual(expect.arrayContaining(HALVES));
  });

  test('steering off (the default): nothing but the withdrawal', async () => {
    const { s, tunnel, speaker } = (() => {
      const env = livenessSetup(YAML.replaceAll(', steering: { more-specifics: true }', ''));
      return env;
    })();
    tunnel(A).change('up');
    tunnel(B).change('up');
    s('aws-1').establish();
    s('aws-2').establish();
    await speaker.settled();
    tunnel(A).change('down');
    await speaker.settled();
    expect(speaker.locRib.get(HALVES[0])).toBeUndefined();
    expect(s('aws-2').announced().map((a) => a.prefix)).toEqual(['10.60.0.0/16', '10.9.9.9/32']);
  });
});
