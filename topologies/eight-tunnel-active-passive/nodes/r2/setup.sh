#!/bin/sh
# Brings up r2 (onprem-router) once containerlab has created its links.
# Rendered by `bgpfo render` from eight-tunnel-active-passive.yaml (lab ap8); edit the topology and render again.
set -eu
ip link set lo up
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1
[ "$(sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.all.rp_filter=0
[ "$(sysctl -n net.ipv4.conf.default.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.default.rp_filter=0
[ "$(sysctl -n net.ipv4.fib_multipath_hash_policy)" = 1 ] || sysctl -qw net.ipv4.fib_multipath_hash_policy=1
[ "$(sysctl -n net.ipv4.conf.all.src_valid_mark)" = 1 ] || sysctl -qw net.ipv4.conf.all.src_valid_mark=1
ip addr add 10.255.0.6/30 dev lan
ip link set lan up
ip addr add 10.255.0.18/30 dev ib-r1
ip link set ib-r1 up
ip addr add 198.18.0.10/30 dev up-isp1
ip link set up-isp1 up
ip addr add 198.18.0.14/30 dev up-isp2
ip link set up-isp2 up
wg-quick up /etc/bgpfo-lab/wireguard/ap8-t3o.conf
wg-quick up /etc/bgpfo-lab/wireguard/ap8-t4o.conf
wg-quick up /etc/bgpfo-lab/wireguard/ap8-t7o.conf
wg-quick up /etc/bgpfo-lab/wireguard/ap8-t8o.conf
ip route replace 198.18.0.18/32 via 198.18.0.9 dev up-isp1
ip route replace 198.18.0.22/32 via 198.18.0.9 dev up-isp1
ip route replace 198.18.0.18/32 via 198.18.0.9 dev up-isp1 table 101
ip route replace 198.18.0.22/32 via 198.18.0.9 dev up-isp1 table 101
ip route replace 198.18.0.18/32 via 198.18.0.13 dev up-isp2 table 102
ip route replace 198.18.0.22/32 via 198.18.0.13 dev up-isp2 table 102
ip rule add fwmark 0x65 table 101 priority 1001
ip rule add fwmark 0x66 table 102 priority 1002
setsid -f env MALLOC_MMAP_THRESHOLD_=131072 bgpfo daemon --config /etc/bgpfo-lab/bgpfo.yaml >/run/bgpfo.log 2>&1
