#!/bin/sh
# Brings up dc2-lan (lan-router) once containerlab has created its links.
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
ip link add lan0 type bridge
ip link set lan0 up
ip addr add 10.50.0.1/24 dev lan0
ip addr add 2001:db8:50::1/64 dev lan0
ip link set dc2-h1 master lan0
ip link set dc2-h1 up
ip addr add 10.255.0.37/30 dev dc2-gw1
ip addr add fd00:aff::25/126 dev dc2-gw1
ip link set dc2-gw1 up
ip addr add 10.255.0.41/30 dev dc2-gw2
ip addr add fd00:aff::29/126 dev dc2-gw2
ip link set dc2-gw2 up
bird -c /etc/bgpfo-lab/bird.conf -s /run/bird.ctl
