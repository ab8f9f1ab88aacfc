#!/bin/sh
# Brings up hub2 (far-gateway) once containerlab has created its links.
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
ip addr add 10.255.0.6/30 dev lan
ip addr add fd00:aff::6/126 dev lan
ip link set lan up
ip addr add 10.255.0.10/30 dev ib-hub1
ip addr add fd00:aff::a/126 dev ib-hub1
ip link set ib-hub1 up
ip addr add 198.18.0.86/30 dev uplink
ip link set uplink up
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t2f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t4f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t6f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t8f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t10f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t12f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t14f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t16f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t18f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t20f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t22f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t24f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t26f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t28f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t30f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t32f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t34f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t36f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t38f.conf
wg-quick up /etc/bgpfo-lab/wireguard/hs10-t40f.conf
ip route replace 198.18.0.2/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.6/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.10/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.14/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.18/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.22/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.26/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.30/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.34/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.38/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.42/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.46/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.50/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.54/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.58/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.62/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.66/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.70/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.74/32 via 198.18.0.85 dev uplink
ip route replace 198.18.0.78/32 via 198.18.0.85 dev uplink
setsid -f env MALLOC_MMAP_THRESHOLD_=131072 bgpfo daemon --config /etc/bgpfo-lab/bgpfo.yaml >/run/bgpfo.log 2>&1
