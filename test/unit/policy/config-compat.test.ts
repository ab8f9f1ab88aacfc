// The validated daemon config (src/config/types.ts) must be usable as the policy's input without mapping.

import type { DaemonConfig, NeighborConfig } from '../../../src/config/types';
import type { NeighborPolicyConfig, RouterPolicyConfig } from '../../../src/policy/config';
import { buildNeighborPolicy } from '../../../src/policy/index';

// Compile-time checks (tsc --noEmit): these fail to type-check if the shapes drift apart.
type Assignable<A, B> = A extends B ? true : false;
const neighborFits: Assignable<NeighborConfig, NeighborPolicyConfig> = true;
const routerFits: Assignable<{ asn: DaemonConfig['router']['asn']; originate: DaemonConfig['originate'] }, RouterPolicyConfig> = true;

describe('config compatibility', () => {
  it('a validated neighbor builds a policy as is', () => {
    expect(neighborFits && routerFits).toBe(true);
    const n = {
      name: 'isp1',
      remoteAsn: 65100,
      ibgp: false,
      role: 'backup',
      prepend: 2,
      localPref: 100,
      import: { allow: [], deny: [{ prefix: '10.66.0.0/16', le: 24 }], allowDefault: false, allowOwn: false, maxPrefixes: 10, maxPrefixesWarning: 75 },
      export: { learned: [], communities: [], largeCommunities: [] },
    } satisfies Partial<NeighborConfig>;
    const { importPolicy, exportPolicy } = buildNeighborPolicy(n, { asn: 65001, originate: ['10.1.0.0/16'] });
    expect(importPolicy.maxPrefixes).toBe(10);
    expect(exportPolicy.asnCopies).toBe(3);
  });
});
