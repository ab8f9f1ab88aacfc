#!/bin/sh
# Brings up internet (internet) once containerlab has created its links.
# Rendered by `bgpfo render` from hub-10-dual-stack.yaml (lab hs10); edit the topology and render again.
set -eu
ip link set lo up
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1
[ "$(sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.all.rp_filter=0
[ "$(sysctl -n net.ipv4.conf.default.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.default.rp_filter=0
ip addr add 198.18.0.1/30 dev s01-r1-isp1
ip link set s01-r1-isp1 up
ip addr add 198.18.0.5/30 dev s01-r2-isp1
ip link set s01-r2-isp1 up
ip addr add 198.18.0.9/30 dev s02-r1-isp1
ip link set s02-r1-isp1 up
ip addr add 198.18.0.13/30 dev s02-r2-isp1
ip link set s02-r2-isp1 up
ip addr add 198.18.0.17/30 dev s03-r1-isp1
ip link set s03-r1-isp1 up
ip addr add 198.18.0.21/30 dev s03-r2-isp1
ip link set s03-r2-isp1 up
ip addr add 198.18.0.25/30 dev s04-r1-isp1
ip link set s04-r1-isp1 up
ip addr add 198.18.0.29/30 dev s04-r2-isp1
ip link set s04-r2-isp1 up
ip addr add 198.18.0.33/30 dev s05-r1-isp1
ip link set s05-r1-isp1 up
ip addr add 198.18.0.37/30 dev s05-r2-isp1
ip link set s05-r2-isp1 up
ip addr add 198.18.0.41/30 dev s06-r1-isp1
ip link set s06-r1-isp1 up
ip addr add 198.18.0.45/30 dev s06-r2-isp1
ip link set s06-r2-isp1 up
ip addr add 198.18.0.49/30 dev s07-r1-isp1
ip link set s07-r1-isp1 up
ip addr add 198.18.0.53/30 dev s07-r2-isp1
ip link set s07-r2-isp1 up
ip addr add 198.18.0.57/30 dev s08-r1-isp1
ip link set s08-r1-isp1 up
ip addr add 198.18.0.61/30 dev s08-r2-isp1
ip link set s08-r2-isp1 up
ip addr add 198.18.0.65/30 dev s09-r1-isp1
ip link set s09-r1-isp1 up
ip addr add 198.18.0.69/30 dev s09-r2-isp1
ip link set s09-r2-isp1 up
ip addr add 198.18.0.73/30 dev s10-r1-isp1
ip link set s10-r1-isp1 up
ip addr add 198.18.0.77/30 dev s10-r2-isp1
ip link set s10-r2-isp1 up
ip addr add 198.18.0.81/30 dev hub1-up
ip link set hub1-up up
ip addr add 198.18.0.85/30 dev hub2-up
ip link set hub2-up up
