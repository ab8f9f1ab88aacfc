#!/bin/sh
# Brings up az-b (far-gateway) once containerlab has created its links.
# Rendered by `bgpfo render` from multi-cloud.yaml (lab mc); edit the topology and render again.
set -eu
ip link set lo up
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1
[ "$(sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.all.rp_filter=0
[ "$(sysctl -n net.ipv4.conf.default.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.default.rp_filter=0
[ "$(sysctl -n net.ipv4.fib_multipath_hash_policy)" = 1 ] || sysctl -qw net.ipv4.fib_multipath_hash_policy=1
[ "$(sysctl -n net.ipv6.conf.all.accept_dad)" = 0 ] || sysctl -qw net.ipv6.conf.all.accept_dad=0
[ "$(sysctl -n net.ipv6.conf.default.accept_dad)" = 0 ] || sysctl -qw net.ipv6.conf.default.accept_dad=0
ip addr add 10.255.0.18/30 dev lan
ip link set lan up
ip addr add 10.255.0.22/30 dev ib-az-a
ip link set ib-az-a up
ip addr add 198.18.0.30/30 dev uplink
ip link set uplink up
wg-quick up /etc/bgpfo-lab/wireguard/mc-t10f.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t12f.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t14f.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t16f.conf
ip route replace 198.18.0.2/32 via 198.18.0.29 dev uplink
ip route replace 198.18.0.6/32 via 198.18.0.29 dev uplink
ip route replace 198.18.0.10/32 via 198.18.0.29 dev uplink
ip route replace 198.18.0.14/32 via 198.18.0.29 dev uplink
bird -c /etc/bgpfo-lab/bird.conf -s /run/bird.ctl
