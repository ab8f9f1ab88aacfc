// UPDATE -> per-family routes: classic and MP fields, treat-as-withdraw (RFC 7606), End-of-RIB (RFC 4724),
// reflection loops (RFC 4456 §8).

import { decodeMessage, encodeMessage } from '../../../src/bgp/codec';
import type { CodecContext, UpdateMessage } from '../../../src/bgp/types';
import { AFI_IPV4, AFI_IPV6, AsPathSegmentType, Origin, SAFI_UNICAST } from '../../../src/bgp/types';
import { reflectionLoop, updateToRoutes } from '../../../src/rib/update';

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

  it('an IPv6 next hop whose global part is "::" uses the link-local part that follows (peers on unnumbered links)', () => {
    const [v6] = updateToRoutes(upd({ attributes: { ...base, mpReach: { afi: AFI_IPV6, safi: SAFI_UNICAST, nextHops: ['::', 'fe80::1'], nlri: ['2001:db8:1::/48'] } } }));
    expect(v6.attributes?.nextHop).toBe('fe80::1');
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

describe('RFC 4456 §8: reflected routes that loop back to us', () => {
  // Through the wire codec, as an internal peer (a route reflector) would send them: the codec keeps ORIGINATOR_ID
  // and CLUSTER_LIST only from internal peers.
  const ibgp: CodecContext = { fourOctetAs: true, extendedMessage: false, ebgp: false };
  const me = { routerId: '10.255.0.1' };
  function viaWire(extra: Partial<UpdateMessage['attributes']>): UpdateMessage {
    const m = upd({ withdrawn: ['10.9.0.0/16'], nlri: ['10.1.0.0/16'], attributes: { origin: Origin.Igp, asPath: [], localPref: 100, nextHop: '192.0.2.1', ...extra } });
    const decoded = decodeMessage(encodeMessage(m, ibgp), ibgp);
    if (decoded.type !== 'update') throw new Error('not an UPDATE');
    return decoded;
  }

  it('withdraws what an UPDATE with our own BGP identifier as ORIGINATOR_ID announces', () => {
    const msg = viaWire({ originatorId: '10.255.0.1' });
    expect(msg.attributes.originatorId).toBe('10.255.0.1');
    expect(reflectionLoop(msg, me)).toMatch(/ORIGINATOR_ID 10.255.0.1 is our own BGP identifier \(RFC 4456 §8\)/);
    expect(updateToRoutes(msg, me)).toEqual([{ family: 'ipv4-unicast', attributes: undefined, announce: [], withdraw: ['10.9.0.0/16', '10.1.0.0/16'] }]);
  });

  it('withdraws what an UPDATE whose CLUSTER_LIST holds our cluster id (our identifier) announces', () => {
    const msg = viaWire({ originatorId: '10.255.0.7', clusterList: ['10.255.0.9', '10.255.0.1'] });
    expect(reflectionLoop(msg, me)).toMatch(/CLUSTER_LIST holds our CLUSTER_ID 10.255.0.1/);
    expect(updateToRoutes(msg, me)[0]).toMatchObject({ announce: [], withdraw: ['10.9.0.0/16', '10.1.0.0/16'] });
  });

  it('keeps a reflected route that names other routers, and everything when no receiver is given', () => {
    const msg = viaWire({ originatorId: '10.255.0.7', clusterList: ['10.255.0.9'] });
    expect(reflectionLoop(msg, me)).toBeUndefined();
    expect(updateToRoutes(msg, me)[0].announce).toEqual(['10.1.0.0/16']);
    expect(updateToRoutes(viaWire({ originatorId: '10.255.0.1' }))[0].announce).toEqual(['10.1.0.0/16']);
  });

  it('cannot be triggered by an external peer: the codec discards both attributes from eBGP (RFC 7606 §7.9, §7.10)', () => {
    const ebgp: CodecContext = { ...ibgp, ebgp: true };
    const wire = encodeMessage(upd({ nlri: ['10.1.0.0/16'], attributes: { origin: Origin.Igp, asPath: [], nextHop: '192.0.2.1', originatorId: '10.255.0.1' } }), ibgp);
    const msg = decodeMessage(wire, ebgp);
    if (msg.type !== 'update') throw new Error('not an UPDATE');
    expect(msg.attributes.originatorId).toBeUndefined();
    expect(updateToRoutes(msg, me)[0].announce).toEqual(['10.1.0.0/16']);
  });
});
