#!/bin/sh
# Brings up s08-lan (lan-router) once containerlab has created its links.
# Rendered by `bgpfo render` from hub-10-dual-stack.yaml (lab hs10); edit the topology and render again.
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
ip addr add 10.8.0.1/24 dev lan0
ip addr add 2001:db8:8::1/64 dev lan0
ip link set s08-h1 master lan0
ip link set s08-h1 up
ip addr add 10.255.0.97/30 dev s08-r1
ip addr add fd00:aff::61/126 dev s08-r1
ip link set s08-r1 up
ip addr add 10.255.0.101/30 dev s08-r2
ip addr add fd00:aff::65/126 dev s08-r2
ip link set s08-r2 up
bird -c /etc/bgpfo-lab/bird.conf -s /run/bird.ctl
