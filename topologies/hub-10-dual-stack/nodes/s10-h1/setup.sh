#!/bin/sh
# Brings up s10-h1 (host) once containerlab has created its links.
# Rendered by `bgpfo render` from hub-10-dual-stack.yaml (lab hs10); edit the topology and render again.
set -eu
ip link set lo up
[ "$(sysctl -n net.ipv6.conf.all.accept_dad)" = 0 ] || sysctl -qw net.ipv6.conf.all.accept_dad=0
[ "$(sysctl -n net.ipv6.conf.default.accept_dad)" = 0 ] || sysctl -qw net.ipv6.conf.default.accept_dad=0
ip addr add 10.10.0.10/24 dev lan
ip addr add 2001:db8:a::a/64 dev lan
ip link set lan up
ip route replace default via 10.10.0.1 dev lan
ip route replace ::/0 via 2001:db8:a::1 dev lan
