#!/bin/sh
# Brings up dc2-gw1 (far-gateway) once containerlab has created its links.
# Rendered by `bgpfo render` from multi-cloud.yaml (lab mc); edit the topology and render again.
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
ip addr add 10.255.0.38/30 dev lan
ip addr add fd00:aff::26/126 dev lan
ip link set lan up
ip addr add 10.255.0.45/30 dev ib-dc2-gw2
ip addr add fd00:aff::2d/126 dev ib-dc2-gw2
ip link set ib-dc2-gw2 up
ip addr add 198.18.0.42/30 dev uplink
ip link set uplink up
wg-quick up /etc/bgpfo-lab/wireguard/mc-t25f.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t27f.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t29f.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t31f.conf
ip route replace 198.18.0.2/32 via 198.18.0.41 dev uplink
ip route replace 198.18.0.6/32 via 198.18.0.41 dev uplink
ip route replace 198.18.0.10/32 via 198.18.0.41 dev uplink
ip route replace 198.18.0.14/32 via 198.18.0.41 dev uplink
bird -c /etc/bgpfo-lab/bird.conf -s /run/bird.ctl
