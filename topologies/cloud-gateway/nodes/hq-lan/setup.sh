#!/bin/sh
# Brings up hq-lan (lan-router) once containerlab has created its links.
# Rendered by `bgpfo render` from cloud-gateway.yaml (lab cgw); edit the topology and render again.
set -eu
ip link set lo up
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1
[ "$(sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.all.rp_filter=0
[ "$(sysctl -n net.ipv4.conf.default.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.default.rp_filter=0
[ "$(sysctl -n net.ipv4.fib_multipath_hash_policy)" = 1 ] || sysctl -qw net.ipv4.fib_multipath_hash_policy=1
ip link add lan0 type bridge
ip link set lan0 up
ip addr add 10.10.0.1/24 dev lan0
ip link set hq-h1 master lan0
ip link set hq-h1 up
ip addr add 10.255.0.1/30 dev r1
ip link set r1 up
ip addr add 10.255.0.5/30 dev r2
ip link set r2 up
bird -c /etc/bgpfo-lab/bird.conf -s /run/bird.ctl
