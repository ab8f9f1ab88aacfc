#!/bin/sh
# Brings up s07-r2 (onprem-router) once containerlab has created its links.
# Rendered by `bgpfo render` from hub-10-dual-stack.yaml (lab hs10); edit the topology and render again.
set -eu
ip link set lo up
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1
[ "$(sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.all.rp_filter=0
[ "$(sysctl -n net.ipv4.conf.default.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.default.rp_filter=0
[ "$(sysctl -n net.ipv4.fib_multipath_hash_policy)" = 1 ] || sysctl -qw net.ipv4.fib_multipath_hash_policy=1
[ "$(sysctl -n net.ipv6.conf.all.forwarding)" = 1 ] || sysctl -qw net.ipv6.conf.all.forwarding=1
[ "$(sysctl -n net.ipv6.fib_multipath_hash_policy)" = 1 ] || sysctl -qw net.ipv6.fib_multipath_hash_policy=1
[ "$(sysctl -n net.ipv6.conf.all.accept_dad)" = 0 ] || sysctl -qw net.ipv6.conf.all.accept_dad=0
[ "$(sysctl -n net.ipv6.conf.default.accept_dad)" = 0 ] || sysctl -qw net.ipv6.conf.default.accept_dad=0
ip addr add 10.255.0.90/30 dev lan
ip addr add fd00:aff::5a/126 dev lan
ip link set lan up
ip addr add 10.255.0.94/30 dev ib-s07-r1
ip addr add fd00:aff::5e/126 dev ib-s07-r1
ip link set ib-s07-r1 up
ip addr add 198.18.0.54/30 dev up-isp1
ip link set up-isp1 up
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t27o.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t28o.conf
ip route replace 198.18.0.82/32 via 198.18.0.53 dev up-isp1
ip route replace 198.18.0.86/32 via 198.18.0.53 dev up-isp1
setsid -f env MALLOC_MMAP_THRESHOLD_=131072 bgpfo daemon --config /etc/bgpfo-lab/bgpfo.yaml >/run/bgpfo.log 2>&1
