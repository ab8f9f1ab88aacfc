#!/bin/sh
# Brings up dc-lan (lan-router) once containerlab has created its links.
# Rendered by `bgpfo render` from four-tunnel-active-active.yaml (lab aa4); edit the topology and render again.
set -eu
ip link set lo up
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1
[ "$(sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.all.rp_filter=0
[ "$(sysctl -n net.ipv4.conf.default.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.default.rp_filter=0
[ "$(sysctl -n net.ipv4.fib_multipath_hash_policy)" = 1 ] || sysctl -qw net.ipv4.fib_multipath_hash_policy=1
ip link add lan0 type bridge
ip link set lan0 up
ip addr add 10.20.0.1/24 dev lan0
ip link set dc-h1 master lan0
ip link set dc-h1 up
ip addr add 10.255.0.9/30 dev gw1
ip link set gw1 up
ip addr add 10.255.0.13/30 dev gw2
ip link set gw2 up
bird -c /etc/bgpfo-lab/bird.conf -s /run/bird.ctl
