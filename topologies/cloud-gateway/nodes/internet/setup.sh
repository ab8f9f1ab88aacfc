#!/bin/sh
# Brings up internet (internet) once containerlab has created its links.
# Rendered by `bgpfo render` from cloud-gateway.yaml (lab cgw); edit the topology and render again.
set -eu
ip link set lo up
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1
[ "$(sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.all.rp_filter=0
[ "$(sysctl -n net.ipv4.conf.default.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.default.rp_filter=0
ip addr add 198.18.0.1/30 dev r1-isp1
ip link set r1-isp1 up
ip addr add 198.18.0.5/30 dev r2-isp1
ip link set r2-isp1 up
ip addr add 198.18.0.9/30 dev gw-a-up
ip link set gw-a-up up
ip addr add 198.18.0.13/30 dev gw-b-up
ip link set gw-b-up up
