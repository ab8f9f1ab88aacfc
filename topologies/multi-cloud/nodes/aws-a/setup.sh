#!/bin/sh
# Brings up aws-a (far-gateway) once containerlab has created its links.
# Rendered by `bgpfo render` from multi-cloud.yaml (lab mc); edit the topology and render again.
set -eu
ip link set lo up
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1
[ "$(sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.all.rp_filter=0
[ "$(sysctl -n net.ipv4.conf.default.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.default.rp_filter=0
[ "$(sysctl -n net.ipv4.fib_multipath_hash_policy)" = 1 ] || sysctl -qw net.ipv4.fib_multipath_hash_policy=1
[ "$(sysctl -n net.ipv6.conf.all.accept_dad)" = 0 ] || sysctl -qw net.ipv6.conf.all.accept_dad=0
[ "$(sysctl -n net.ipv6.conf.default.accept_dad)" = 0 ] || sysctl -qw net.ipv6.conf.default.accept_dad=0
ip addr add 10.255.0.2/30 dev lan
ip link set lan up
ip addr add 10.255.0.9/30 dev ib-aws-b
ip link set ib-aws-b up
ip addr add 198.18.0.18/30 dev uplink
ip link set uplink up
wg-quick up /etc/bgpfo-lab/wireguard/mc-t1f.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t3f.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t5f.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t7f.conf
ip route replace 198.18.0.2/32 via 198.18.0.17 dev uplink
ip route replace 198.18.0.6/32 via 198.18.0.17 dev uplink
ip route replace 198.18.0.10/32 via 198.18.0.17 dev uplink
ip route replace 198.18.0.14/32 via 198.18.0.17 dev uplink
# FRR is started by the image from /etc/frr (frr.conf, daemons).
