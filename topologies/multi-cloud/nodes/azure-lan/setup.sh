#!/bin/sh
# Brings up azure-lan (lan-router) once containerlab has created its links.
# Rendered by `bgpfo render` from multi-cloud.yaml (lab mc); edit the topology and render again.
set -eu
ip link set lo up
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1
[ "$(sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.all.rp_filter=0
[ "$(sysctl -n net.ipv4.conf.default.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.default.rp_filter=0
[ "$(sysctl -n net.ipv4.fib_multipath_hash_policy)" = 1 ] || sysctl -qw net.ipv4.fib_multipath_hash_policy=1
[ "$(sysctl -n net.ipv6.conf.all.accept_dad)" = 0 ] || sysctl -qw net.ipv6.conf.all.accept_dad=0
[ "$(sysctl -n net.ipv6.conf.default.accept_dad)" = 0 ] || sysctl -qw net.ipv6.conf.default.accept_dad=0
ip link add lan0 type bridge
ip link set lan0 up
ip addr add 10.30.0.1/24 dev lan0
ip link set azure-h1 master lan0
ip link set azure-h1 up
ip addr add 10.255.0.13/30 dev az-a
ip link set az-a up
ip addr add 10.255.0.17/30 dev az-b
ip link set az-b up
bird -c /etc/bgpfo-lab/bird.conf -s /run/bird.ctl
