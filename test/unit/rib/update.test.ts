// UPDATE -> per-family routes: classic and MP fields, treat-as-withdraw (RFC 7606), End-of-RIB (RFC 4724).

import type { UpdateMessage } from '../../../src/bgp/types';
import { AFI_IPV4, AFI_IPV6, AsPathSegmentType, Origin, SAFI_UNICAST } from '../../../src/bgp/types';
import { updateToRoutes } from '../../../src/rib/update';

const base = { origin: Origin.Igp, asPath: [{ type: AsPathSegmentType.AsSequence, asns: [65100] }] };

function upd(over: Partial<UpdateMessage>): UpdateMessage {
  return { type: 'update', withdrawn: [], attributes: {}, nlri: [], ...over };
}

describe('updateToRoutes', () => {
  it('splits classic IPv4 and MP IPv6 into families with interned attributes', () => {
    const msg = upd({
      withdrawn: ['10.9.0.0/16'],
      nlri: ['10.1.0.0/16', '10.2.0.0/16'],
      attributes: {
        ...base,
        nextHop: '192.0.2.1',
        mpReach: { afi: AFI_IPV6, safi: SAFI_UNICAST, nextHops: ['2001:db8::1', 'fe80::1'], nlri: ['2001:db8:1::/48'] },
        mpUnreach: { afi: AFI_IPV6, safi: SAFI_UNICAST, withdrawn: ['2001:db8:9::/48'] },
      },
    });
    const [v4, v6] = updateToRoutes(msg);
    expect(v4).toMatchObject({ family: 'ipv4-unicast', announce: ['10.1.0.0/16', '10.2.0.0/16'], withdraw: ['10.9.0.0/16'] });
    expect(v4.attributes).toEqual({ ...base, nextHop: '192.0.2.1' });
    expect(Object.isFrozen(v4.attributes)).toBe(true);
    expect(v6).toMatchObject({ family: 'ipv6-unicast', announce: ['2001:db8:1::/48'], withdraw: ['2001:db8:9::/48'] });
    expect(v6.attributes).toEqual({ ...base, nextHop: '2001:db8::1' });
    // The same attributes in another UPDATE intern to the same object.
    const again = updateToRoutes(upd({ nlri: ['10.3.0.0/16'], attributes: { ...base, nextHop: '192.0.2.1' } }));
    expect(again[0].attributes).toBe(v4.attributes);
  });

  it('treat-as-withdraw turns every announced prefix into a withdrawal', () => {
    const msg = upd({
      softErrors: [{ action: 'treat-as-withdraw', attrType: 1, reason: 'bad ORIGIN' }],
      withdrawn: ['10.9.0.0/16'],
      nlri: ['10.1.0.0/16'],
      attributes: { ...base, nextHop: '192.0.2.1', mpReach: { afi: AFI_IPV6, safi: SAFI_UNICAST, nextHops: ['2001:db8::1'], nlri: ['2001:db8:1::/48'] } },
    });
    expect(updateToRoutes(msg)).toEqual([
      { family: 'ipv4-unicast', attributes: undefined, announce: [], withdraw: ['10.9.0.0/16', '10.1.0.0/16'] },
      { family: 'ipv6-unicast', attributes: undefined, announce: [], withdraw: ['2001:db8:1::/48'] },
    ]);
  });

  it('attribute-discard alone leaves the announcements in place', () => {
    const msg = upd({ softErrors: [{ action: 'attribute-discard', attrType: 7, reason: 'bad AGGREGATOR' }], nlri: ['10.1.0.0/16'], attributes: { ...base, nextHop: '192.0.2.1' } });
    expect(updateToRoutes(msg)[0].announce).toEqual(['10.1.0.0/16']);
  });

  it('recognizes End-of-RIB for both families', () => {
    expect(updateToRoutes(upd({}))).toEqual([{ family: 'ipv4-unicast', attributes: undefined, announce: [], withdraw: [], endOfRib: true }]);
    expect(updateToRoutes(upd({ attributes: { mpUnreach: { afi: AFI_IPV6, safi: SAFI_UNICAST, withdrawn: [] } } }))).toEqual([
      { family: 'ipv6-unicast', attributes: undefined, announce: [], withdraw: [], endOfRib: true },
    ]);
  });

  it('ignores families we do not carry', () => {
    const msg = upd({ attributes: { ...base, mpReach: { afi: AFI_IPV4, safi: 2, nextHops: ['192.0.2.1'], nlri: ['10.1.0.0/16'] } } });
    expect(updateToRoutes(msg)).toEqual([]);
  });
});
