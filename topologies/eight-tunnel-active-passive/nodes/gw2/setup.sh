#!/bin/sh
# Brings up gw2 (far-gateway) once containerlab has created its links.
# Rendered by `bgpfo render` from eight-tunnel-active-passive.yaml (lab ap8); edit the topology and render again.
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
ip addr add 198.18.0.22/30 dev uplink
ip link set uplink up
wg-quick up /etc/bgpfo-lab/wireguard/ap8-t2f.conf
wg-quick up /etc/bgpfo-lab/wireguard/ap8-t4f.conf
wg-quick up /etc/bgpfo-lab/wireguard/ap8-t6f.conf
wg-quick up /etc/bgpfo-lab/wireguard/ap8-t8f.conf
ip route replace 198.18.0.2/32 via 198.18.0.21 dev uplink
ip route replace 198.18.0.6/32 via 198.18.0.21 dev uplink
ip route replace 198.18.0.10/32 via 198.18.0.21 dev uplink
ip route replace 198.18.0.14/32 via 198.18.0.21 dev uplink
bird -c /etc/bgpfo-lab/bird.conf -s /run/bird.ctl
