// The neighbor `liveness:` block: documented defaults, every field as written, what the monitor gets from it, and
// the errors (each with file, line and field) for settings that cannot work together.

import { ConfigError, parseConfig } from '../../../src/config';
import { healthOptions, livenessSpec } from '../../../src/daemon/liveness-spec';
import { livenessNeeds } from '../../../src/daemon/liveness-runtime';

function withLiveness(block: string, extra = '    local-address: 169.254.21.2\n'): string {
  return `router: { asn: 65001, router-id: 10.0.0.1 }
neighbors:
  - name: tun-a1
    address: 169.254.21.1
    remote-asn: 64512
${extra}    liveness:
${block
  .split('\n')
  .filter(Boolean)
  .map((l) => `      ${l}`)
  .join('\n')}
`;
}

function errorsOf(text: string): string[] {
  try {
    parseConfig(text, 'bgpfo.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message.split('\n');
  }
  throw new Error('expected the config to be refused');
}

const liveness = (block: string, extra?: string) => parseConfig(withLiveness(block, extra), 'bgpfo.yaml').neighbors[0]!.liveness;

describe('defaults and values', () => {
  test('no block, or mode none: no liveness, and the session is not held', () => {
    const c = parseConfig('router: { asn: 65001, router-id: 10.0.0.1 }\nneighbors:\n  - { name: n1, address: 10.0.0.2, remote-asn: 65002 }\n', 'x.yaml');
    expect(c.neighbors[0]!.liveness).toBeUndefined();
    expect(liveness('mode: none')).toBeUndefined();
    expect(livenessNeeds(c)).toEqual({ bfd: false, probes: false });
  });

  test('mode bfd alone: 100 ms x 3, quality on with the documented defaults, dampening on, no steering', () => {
    expect(liveness('mode: bfd')).toEqual({
      mode: 'bfd',
      intervalMs: 100,
      multiplier: 3,
      bfd: { requiredMinRxMs: 100, passive: false },
      quality: { windowMs: 10_000, maxLossPct: 5, holdDownMs: 30_000, minSamples: 20, probeIntervalMs: 200, prepend: 3, localPref: 1 },
      dampening: { initialHoldMs: 1000, maxHoldMs: 60_000, decayMs: 30_000 },
      steering: { moreSpecifics: false },
    });
  });

  test('every field as written', () => {
    const l = liveness(`mode: bfd
interval-ms: 50
multiplier: 5
bfd: { required-min-rx-ms: 80, passive: true, auth: { type: meticulous-keyed-sha1, key-id: 7, key: "s3cret" } }
quality: { window-s: 4, max-loss-percent: 2.5, max-rtt-ms: 80, max-jitter-ms: 20, hold-down-s: 3, min-samples: 10, probe-interval-ms: 100, prepend: 5, local-pref: 10 }
dampening: { initial-hold-ms: 500, max-hold-s: 20, decay-s: 10 }`);
    expect(l).toEqual({
      mode: 'bfd',
      intervalMs: 50,
      multiplier: 5,
      bfd: { requiredMinRxMs: 80, passive: true, auth: { type: 'meticulous-keyed-sha1', keyId: 7, secret: 's3cret' } },
      quality: { windowMs: 4000, maxLossPct: 2.5, maxRttMs: 80, maxJitterMs: 20, holdDownMs: 3000, minSamples: 10, probeIntervalMs: 100, prepend: 5, localPref: 10 },
      dampening: { initialHoldMs: 500, maxHoldMs: 20_000, decayMs: 10_000 },
      steering: { moreSpecifics: false },
    });
  });

  test('quality: false and dampening: false', () => {
    expect(liveness('mode: probe\nquality: false\ndampening: false\nsteering: { more-specifics: true }')).toMatchObject({
      mode: 'probe',
      quality: false,
      dampening: false,
      steering: { moreSpecifics: true },
    });
  });
});

describe('what the health monitor gets', () => {
  const neighbor = (block: string) => parseConfig(withLiveness(block), 'x.yaml').neighbors[0]! as Parameters<typeof healthOptions>[0];

  test('BFD mode: the session timers, auth, and the side probe at the quality probe interval', () => {
    const n = neighbor('mode: bfd\ninterval-ms: 50\nbfd: { passive: true, auth: { type: keyed-md5, key-id: 1, key: k } }\nquality: { probe-interval-ms: 100 }');
    expect(livenessSpec(n)).toEqual({
      mode: 'bfd',
      local: '169.254.21.2',
      peer: '169.254.21.1',
      intervalMs: 50,
      multiplier: 3,
      bfd: { requiredMinRxMs: 50, passive: true, auth: { type: 'keyed-md5', keyId: 1, secret: 'k' } },
      qualityProbe: { intervalMs: 100 },
    });
    expect(healthOptions(n).demotion).toEqual({ maxLossPct: 5, minSamples: 20, holdDownMs: 30_000 });
  });

  test('BFD mode with quality: false has no side probe; probe mode with quality: false measures but never demotes', () => {
    expect(livenessSpec(neighbor('mode: bfd\nquality: false')).qualityProbe).toBe(false);
    const o = healthOptions(neighbor('mode: probe\nquality: false\ndampening: false'), { netns: 'lab-x' });
    expect(o.liveness).toEqual({ mode: 'probe', local: '169.254.21.2', peer: '169.254.21.1', intervalMs: 100, multiplier: 3, netns: 'lab-x' });
    expect(o.demotion).toEqual({ maxLossPct: 100 });
    expect(o.quality).toBeUndefined();
    expect(o.dampening).toEqual({ initialHoldMs: 0 });
  });

  test('services: BFD for mode bfd, ping for probe mode and for BFD-side quality', () => {
    const cfg = (blocks: string[]) =>
      parseConfig(
        `router: { asn: 65001, router-id: 10.0.0.1 }\nneighbors:\n${blocks
          .map((b, i) => `  - { name: n${i}, address: 10.0.${i}.1, local-address: 10.0.${i}.2, remote-asn: 65002, liveness: ${b} }`)
          .join('\n')}\n`,
        'x.yaml',
      );
    expect(livenessNeeds(cfg(['{ mode: bfd, quality: false }']))).toEqual({ bfd: true, probes: false });
    expect(livenessNeeds(cfg(['{ mode: bfd }']))).toEqual({ bfd: true, probes: true });
    expect(livenessNeeds(cfg(['{ mode: probe }', '{ mode: none }']))).toEqual({ bfd: false, probes: true });
  });
});

describe('errors', () => {
  test('liveness needs local-address', () => {
    expect(errorsOf(withLiveness('mode: probe', ''))).toEqual([
      expect.stringMatching(/^bgpfo\.yaml:7: neighbors\[0\]\.liveness\.mode: liveness mode probe needs the neighbor's local-address/),
    ]);
  });

  test('settings of the other mode, and mode none with settings', () => {
    expect(errorsOf(withLiveness('mode: probe\nbfd: { passive: true }'))).toEqual([
      'bgpfo.yaml:9: neighbors[0].liveness.bfd: bfd settings apply to mode: bfd only (this neighbor uses mode: probe)',
    ]);
    expect(errorsOf(withLiveness('mode: bfd\nsteering: { more-specifics: true }'))).toEqual([
      expect.stringContaining('neighbors[0].liveness.steering.more-specifics: steering applies to mode: probe only'),
    ]);
    expect(errorsOf(withLiveness('mode: probe\nquality: { probe-interval-ms: 100 }'))).toEqual([
      expect.stringContaining('liveness.quality.probe-interval-ms: probe mode measures quality with its own probes'),
    ]);
    expect(errorsOf(withLiveness('mode: none\ninterval-ms: 50'))).toEqual([expect.stringContaining('liveness.interval-ms: mode: none turns liveness off; remove interval-ms')]);
  });

  test('a window too short for min-samples could never demote', () => {
    expect(errorsOf(withLiveness('mode: bfd\nquality: { window-s: 2 }'))).toEqual([
      'bgpfo.yaml:9: neighbors[0].liveness.quality.window-s: a 2 s window holds at most 10 probes at one per 200 ms, fewer than min-samples 20: the tunnel could never be demoted',
    ]);
    // Probe mode counts its own probes: 2 s at 100 ms is 20, enough.
    expect(liveness('mode: probe\nquality: { window-s: 2 }')).toMatchObject({ quality: { windowMs: 2000 } });
  });

  test('field errors inside `quality: false | mapping` name the field, with did-you-mean for a misspelt key', () => {
    expect(errorsOf(withLiveness('mode: bfd\nquality: { window-s: ten }'))).toEqual(['bgpfo.yaml:9: neighbors[0].liveness.quality.window-s: expected an integer 1..3600 (got "ten")']);
    expect(errorsOf(withLiveness('mode: bfd\nquality: { max-loss: 5 }'))).toEqual([
      'bgpfo.yaml:9: neighbors[0].liveness.quality.max-loss: unknown key "max-loss"; did you mean "max-loss-percent"?',
    ]);
    expect(errorsOf(withLiveness('mode: bfd\nquality: true'))).toEqual([expect.stringContaining('liveness.quality: expected false or a mapping')]);
    expect(errorsOf(withLiveness('mode: bfd\ndampening: { max-hold-s: 0.5 }'))).toEqual([expect.stringContaining('liveness.dampening.max-hold-s: expected an integer 1..86400')]);
  });

  test('mode, timers and BFD authentication', () => {
    expect(errorsOf(withLiveness('mode: icmp'))).toEqual([expect.stringContaining('liveness.mode: expected bfd, probe or none (got "icmp")')]);
    expect(errorsOf(withLiveness('mode: bfd\nmultiplier: 0'))).toEqual([expect.stringContaining('liveness.multiplier: expected an integer 1..255')]);
    expect(errorsOf(withLiveness('mode: bfd\ninterval-ms: 5'))).toEqual([expect.stringContaining('liveness.interval-ms: expected an integer 10..60000')]);
    expect(errorsOf(withLiveness('mode: bfd\nbfd: { auth: { type: keyed-md5, key-id: 1, key: "seventeen-bytes!!" } }'))).toEqual([
      expect.stringContaining('liveness.bfd.auth.key: BFD keyed-md5 secret must be 1-16 bytes, got 17'),
    ]);
    expect(errorsOf(withLiveness('mode: bfd\nbfd: { auth: { type: md5, key-id: 1, key: k } }'))).toEqual([expect.stringContaining('liveness.bfd.auth.type: expected one of simple, keyed-md5')]);
    expect(errorsOf(withLiveness('mode: bfd\ndampening: { initial-hold-ms: 5000, max-hold-s: 2 }'))).toEqual([
      expect.stringContaining('liveness.dampening.max-hold-s: max-hold-s must not be shorter than initial-hold-ms'),
    ]);
  });
});
