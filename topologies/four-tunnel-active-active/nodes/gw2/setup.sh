#!/bin/sh
# Brings up gw2 (far-gateway) once containerlab has created its links.
# Rendered by `bgpfo render` from four-tunnel-active-active.yaml (lab aa4); edit the topology and render again.
set -eu
ip link set lo up
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1
[ "$(sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.all.rp_filter=0
[ "$(sysctl -n net.ipv4.conf.default.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.default.rp_filter=0
[ "$(sysctl -n net.ipv4.fib_multipath_hash_policy)" = 1 ] || sysctl -qw net.ipv4.fib_multipath_hash_policy=1
ip addr add 10.255.0.14/30 dev lan
ip link set lan up
ip addr add 10.255.0.22/30 dev ib-gw1
ip link set ib-gw1 up
ip addr add 198.18.0.14/30 dev uplink
ip link set uplink up
wg-quick up /etc/bgpfo-lab/wireguard/aa4-t2f.conf
wg-quick up /etc/bgpfo-lab/wireguard/aa4-t4f.conf
ip route replace 198.18.0.2/32 via 198.18.0.13 dev uplink
ip route replace 198.18.0.6/32 via 198.18.0.13 dev uplink
setsid -f env MALLOC_MMAP_THRESHOLD_=131072 bgpfo daemon --config /etc/bgpfo-lab/bgpfo.yaml >/run/bgpfo.log 2>&1
