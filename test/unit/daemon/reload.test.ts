// The reload diff as a pure function: which config changes add, remove, reset or only re-advertise / re-import a
// neighbor, what moves the originated prefixes, and what cannot be applied without a restart.

import { describeAction, diffConfig, type ReloadAction } from '../../../src/daemon/reload';
import { config } from './helpers';

const BASE = `
router: { asn: 65001, router-id: 10.0.0.1 }
originate: [10.1.0.0/16]
control: { socket: /tmp/bgpfo-unit-never-bound.sock }
neighbors:
  - { name: tun-a1, address: 169.254.21.1, local-address: 169.254.21.2, remote-asn: 64512, hold-time: 9 }
  - { name: tun-b1, address: 169.254.22.1, local-address: 169.254.22.2, remote-asn: 64512, role: backup }
`;

function kinds(actions: ReloadAction[]): string[] {
  return actions.map((a) => ('name' in a ? `${a.kind} ${a.name}` : a.kind));
}

test('the same config: nothing to do', () => {
  expect(diffConfig(config(BASE), config(BASE))).toEqual({ actions: [], refused: [] });
});

test('a new neighbor is added and nothing else is touched; the listen default follows its local address', () => {
  const next = config(`${BASE}  - { name: tun-c1, address: 169.254.23.1, local-address: 169.254.23.2, remote-asn: 64513 }\n`);
  const plan = diffConfig(config(BASE), next);
  expect(plan.refused).toEqual([]);
  expect(kinds(plan.actions)).toEqual(['add-neighbor tun-c1', 'listen']);
  expect(plan.actions[1]).toEqual({ kind: 'listen', addresses: ['169.254.21.2', '169.254.22.2', '169.254.23.2'] });
});

test('a removed neighbor is removed (Cease/3 is the applier\'s), and removals come before additions', () => {
  const next = config(BASE.replace(/  - \{ name: tun-b1.*\n/, '  - { name: tun-b2, address: 169.254.22.1, local-address: 169.254.22.2, remote-asn: 64512 }\n'));
  const plan = diffConfig(config(BASE), next);
  expect(kinds(plan.actions)).toEqual(['remove-neighbor tun-b1', 'add-neighbor tun-b2']);
  expect(describeAction(plan.actions[0])).toBe('neighbor tun-b1 removed (Cease/Peer De-configured)');
});

test('session parameters (hold time, remote AS, address) reset only that session', () => {
  const next = config(BASE.replace('hold-time: 9', 'hold-time: 30').replace('remote-asn: 64512, role', 'remote-asn: 64599, role'));
  const plan = diffConfig(config(BASE), next);
  expect(kinds(plan.actions)).toEqual(['reset-neighbor tun-a1', 'reset-neighbor tun-b1']);
  expect(plan.actions[0]).toMatchObject({ changed: ['holdTime', 'keepalive'] });
  expect(plan.actions[1]).toMatchObject({ changed: ['remoteAsn'] });
  expect(describeAction(plan.actions[0])).toBe('neighbor tun-a1 reset (Cease/Other Configuration Change): hold-time 9 -> 30');
});

test('prepend, communities and export filters re-advertise; import filters and local-pref re-import; role alone does nothing to the wire', () => {
  const next = config(
    BASE.replace('hold-time: 9 }', 'hold-time: 9, prepend: 2, export: { communities: ["65001:7"] } }').replace(
      'role: backup }',
      'role: backup, local-pref: 40, import: { deny: ["10.99.0.0/16"] } }',
    ),
  );
  const plan = diffConfig(config(BASE), next);
  expect(plan.actions).toEqual([
    expect.objectContaining({ kind: 'update-neighbor', name: 'tun-a1', export: true, import: false, changed: ['export', 'prepend'] }),
    expect.objectContaining({ kind: 'update-neighbor', name: 'tun-b1', export: false, import: true, changed: ['import', 'localPref'] }),
  ]);
  expect(describeAction(plan.actions[0])).toBe('neighbor tun-a1: export policy, prepend 0 -> 2; re-advertised');

  const roleOnly = diffConfig(config(BASE), config(BASE.replace('role: backup }', 'role: backup, shutdown-message: "bye" }')));
  expect(roleOnly.actions).toEqual([expect.objectContaining({ kind: 'update-neighbor', name: 'tun-b1', export: false, import: false, changed: ['shutdownMessage'] })]);
});

test('a changed originate list is announced/withdrawn, and every neighbor re-imports (own prefixes are refused on import)', () => {
  const next = config(BASE.replace('originate: [10.1.0.0/16]', 'originate: [10.2.0.0/16]'));
  const plan = diffConfig(config(BASE), next);
  expect(kinds(plan.actions)).toEqual(['update-neighbor tun-a1', 'update-neighbor tun-b1', 'originate']);
  expect(plan.actions[0]).toMatchObject({ import: true, export: false, changed: [] });
  expect(plan.actions[2]).toEqual({ kind: 'originate', add: ['10.2.0.0/16'], remove: ['10.1.0.0/16'] });
  expect(describeAction(plan.actions[2])).toBe('originate: +10.2.0.0/16 -10.1.0.0/16');
});

test('log level, metrics, alerts and the stop mode are applied; router identity, port, control and rib are refused', () => {
  const next = config(`${BASE}log: { level: debug }\nmetrics: { listen: "127.0.0.1:9469" }\nalerts: { command: "true" }\nstop: { graceful-restart: true }\n`);
  const plan = diffConfig(config(BASE), next);
  expect(plan.refused).toEqual([]);
  expect(kinds(plan.actions)).toEqual(['log-level', 'metrics', 'alerts', 'stop']);
  expect(plan.actions.map(describeAction)).toEqual(['log level debug', 'metrics endpoint on 127.0.0.1:9469', 'alerts: command', 'on SIGTERM: graceful restart (no NOTIFICATION)']);

  const bad = config(
    BASE.replace('asn: 65001', 'asn: 65009')
      .replace('router-id: 10.0.0.1', 'router-id: 10.0.0.9, port: 1179')
      .replace('/tmp/bgpfo-unit-never-bound.sock', '/tmp/other.sock') + 'rib: { max-paths: 2 }\n',
  );
  const refused = diffConfig(config(BASE), bad).refused;
  expect(refused).toHaveLength(5);
  expect(refused[0]).toMatch(/^router\.asn changed \(65001 -> 65009\)/);
  expect(refused.join('\n')).toMatch(/router-id changed[\s\S]*router\.port changed[\s\S]*control changed[\s\S]*rib changed/);
});

test('a neighbor field this diff does not know resets the session (the safe default)', () => {
  const old = config(BASE);
  const next = config(BASE);
  (next.neighbors[0] as unknown as Record<string, unknown>).someFutureField = { x: 1 };
  expect(diffConfig(old, next).actions).toEqual([expect.objectContaining({ kind: 'reset-neighbor', name: 'tun-a1', changed: ['someFutureField'] })]);
});
