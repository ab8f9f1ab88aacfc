#!/bin/bash
# Benchmark: the forwarding gap when a kernel nexthop group is replaced under N routes (what a bgpfo failover write
# does), measured on the packets. A router namespace forwards 20,000 UDP packets a second to one prefix of N routes
# on two groups; its group is replaced so that traffic moves from one sink namespace to the other; tcpdump in both
# sinks times the last packet at the old one and the first at the new one. Not a test; prints figures.
#
#   sudo bash bench/group-swap-gap.sh [N=1000000] [4|6] [replace|delete]   (run under flock /tmp/bgpfo-timing.lock)
#
# replace (default): the group {1} under half the routes is replaced by {2}, as bgpfo writes a failover today.
# delete: the group is {1, 2} (ECMP) and the member carrying the flow is deleted (RTM_DELNEXTHOP): the kernel takes
# it out of every group without walking their routes (remove_nh_grp_entry), where a replace walks them.
set -e
N=${1:-1000000}
FAM=${2:-6}
MODE=${3:-replace}
NS="gS gR gP1 gP2"
cleanup() { for n in $NS; do ip netns del $n 2>/dev/null || true; done; rm -f /tmp/gap-p1.$$ /tmp/gap-p2.$$ /tmp/gap.$$.batch; }
trap cleanup EXIT
cleanup
for n in $NS; do ip netns add $n; ip -n $n link set lo up; done
ip link add s0 netns gS type veth peer name r0 netns gR
ip link add r1 netns gR type veth peer name p1 netns gP1
ip link add r2 netns gR type veth peer name p2 netns gP2
if [ "$FAM" = 6 ]; then
  A=(fd00:10::1/64 fd00:10::2/64 fd00:1::1/64 fd00:2::1/64 fd00:1::2/64 fd00:2::2/64); GW1=fd00:1::2; GW2=fd00:2::2; S_GW=fd00:10::2
  DAD=nodad; ip netns exec gR sysctl -qw net.ipv6.conf.all.forwarding=1
else
  A=(10.10.0.1/24 10.10.0.2/24 10.1.0.1/24 10.2.0.1/24 10.1.0.2/24 10.2.0.2/24); GW1=10.1.0.2; GW2=10.2.0.2; S_GW=10.10.0.2
  DAD=; ip netns exec gR sysctl -qw net.ipv4.ip_forward=1
fi
ip -n gS addr add ${A[0]} dev s0 $DAD; ip -n gS link set s0 up
ip -n gR addr add ${A[1]} dev r0 $DAD; ip -n gR link set r0 up
ip -n gR addr add ${A[2]} dev r1 $DAD; ip -n gR link set r1 up
ip -n gR addr add ${A[3]} dev r2 $DAD; ip -n gR link set r2 up
ip -n gP1 addr add ${A[4]} dev p1 $DAD; ip -n gP1 link set p1 up
ip -n gP2 addr add ${A[5]} dev p2 $DAD; ip -n gP2 link set p2 up
# As bgpfo runs (checkHostSettings): group changes send no per-route notification.
ip netns exec gR sysctl -qw net.ipv4.nexthop_compat_mode=0
ip -n gS route add default via $S_GW
ip -n gR nexthop add id 1 via $GW1 dev r1
ip -n gR nexthop add id 2 via $GW2 dev r2
if [ "$MODE" = delete ]; then
  ip -n gR nexthop add id 10 group 1/2
  ip -n gR nexthop add id 11 group 1/2
else
  ip -n gR nexthop add id 10 group 1
  ip -n gR nexthop add id 11 group 1
fi
# Half the routes on each group, as a tunnel's routes are spread over its groups; the traffic goes to one on group 10.
TARGET=$(node -e "
const fam=$FAM, n=$N;
const p6=(i)=>{const hi=Math.floor(i/65536)&0xffff,lo=i&0xffff;return hi===0&&lo===0?'2a00::/48':'2a00:'+hi.toString(16)+':'+lo.toString(16)+'::/48'};
const p4=(i)=>(16+(i>>16))+'.'+((i>>8)&255)+'.'+(i&255)+'.0/24';
const p=fam===6?p6:p4;const l=[];for(let i=0;i<n;i++)l.push('route add '+p(i)+' nhid '+(i%2?11:10));
require('fs').writeFileSync('/tmp/gap.$$.batch',l.join('\n')+'\n');
const t=p(n-2);console.log(fam===6?t.replace('/48','1'):t.replace('.0/24','.1'));")
t0=$(date +%s.%N); ip -n gR -batch /tmp/gap.$$.batch; t1=$(date +%s.%N)
echo "IPv$FAM: $N routes added in $(echo "$t1-$t0" | bc) s; traffic to $TARGET: $(ip -n gR route get $TARGET | head -1)"
ip netns exec gR ping -c1 -W1 $GW1 >/dev/null; ip netns exec gR ping -c1 -W1 $GW2 >/dev/null
ip netns exec gP1 tcpdump -i p1 -n -tt -l udp port 9999 > /tmp/gap-p1.$$ 2>/dev/null & T1=$!
ip netns exec gP2 tcpdump -i p2 -n -tt -l udp port 9999 > /tmp/gap-p2.$$ 2>/dev/null & T2=$!
sleep 1
ip netns exec gS python3 -c "
import socket,time
s=socket.socket(socket.AF_INET6 if $FAM==6 else socket.AF_INET,socket.SOCK_DGRAM)
t0=time.time();i=0
while time.time()-t0<3:
  s.sendto(b'x',('$TARGET',9999)); i+=1
  while time.time()-t0 < i/20000: pass
" &
S=$!
sleep 1
ts() { grep -E '^[0-9]+\.[0-9]+ ' "$1"; }
if [ "$MODE" = delete ]; then
  # The flow hashes onto one member: delete that one, and the other sink is the new one.
  if [ "$(ts /tmp/gap-p1.$$ | wc -l)" -gt 0 ]; then OLD=1; NEW=2; else OLD=2; NEW=1; fi
  a=$(date +%s.%N); ip -n gR nexthop del id $OLD; b=$(date +%s.%N)
else
  OLD=1; NEW=2
  a=$(date +%s.%N); ip -n gR nexthop replace id 10 group 2; b=$(date +%s.%N)
fi
wait $S; sleep 0.5; kill $T1 $T2; wait $T1 $T2 2>/dev/null || true
last1=$(ts /tmp/gap-p$OLD.$$ | tail -1 | cut -d' ' -f1); first2=$(ts /tmp/gap-p$NEW.$$ | awk -v a="$a" '$1 > a' | head -1 | cut -d' ' -f1)
ms() { printf '%.1f' "$(echo "($1)*1000" | bc)"; }
echo "  $MODE: $(ms "$b-$a") ms from before the ip command started to after it returned"
echo "  packets: $(ts /tmp/gap-p$OLD.$$ | wc -l) at the old sink, $(ts /tmp/gap-p$NEW.$$ | wc -l) at the new"
echo "  first packet on the new group $(ms "$first2-$a") ms after the replace started; gap between old and new $(ms "$first2-$last1") ms"
