#!/bin/sh
# Brings up r1 (onprem-router) once containerlab has created its links.
# Rendered by `bgpfo render` from cloud-gateway.yaml (lab cgw); edit the topology and render again.
set -eu
ip link set lo up
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1
[ "$(sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.all.rp_filter=0
[ "$(sysctl -n net.ipv4.conf.default.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.default.rp_filter=0
[ "$(sysctl -n net.ipv4.fib_multipath_hash_policy)" = 1 ] || sysctl -qw net.ipv4.fib_multipath_hash_policy=1
ip addr add 10.255.0.2/30 dev lan
ip link set lan up
ip addr add 10.255.0.17/30 dev ib-r2
ip link set ib-r2 up
ip addr add 198.18.0.2/30 dev up-isp1
ip link set up-isp1 up
wg-quick up /etc/bgpfo-lab/wireguard/cgw-t1o.conf
wg-quick up /etc/bgpfo-lab/wireguard/cgw-t2o.conf
ip route replace 198.18.0.10/32 via 198.18.0.1 dev up-isp1
ip route replace 198.18.0.14/32 via 198.18.0.1 dev up-isp1
setsid -f env MALLOC_MMAP_THRESHOLD_=131072 bgpfo daemon --config /etc/bgpfo-lab/bgpfo.yaml >/run/bgpfo.log 2>&1
