#!/bin/sh
# Brings up r2 (onprem-router) once containerlab has created its links.
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
[ "$(sysctl -n net.ipv4.conf.all.src_valid_mark)" = 1 ] || sysctl -qw net.ipv4.conf.all.src_valid_mark=1
ip addr add 10.255.0.54/30 dev lan
ip addr add fd00:aff::36/126 dev lan
ip link set lan up
ip addr add 10.255.0.58/30 dev ib-r1
ip addr add fd00:aff::3a/126 dev ib-r1
ip link set ib-r1 up
ip addr add 198.18.0.10/30 dev up-isp1
ip link set up-isp1 up
ip addr add 198.18.0.14/30 dev up-isp2
ip link set up-isp2 up
wg-quick up /etc/bgpfo-lab/wireguard/mc-t3o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t4o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t7o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t8o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t11o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t12o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t15o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t16o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t19o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t20o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t23o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t24o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t27o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t28o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t31o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t32o.conf
ip route replace 198.18.0.18/32 via 198.18.0.9 dev up-isp1
ip route replace 198.18.0.22/32 via 198.18.0.9 dev up-isp1
ip route replace 198.18.0.26/32 via 198.18.0.9 dev up-isp1
ip route replace 198.18.0.30/32 via 198.18.0.9 dev up-isp1
ip route replace 198.18.0.34/32 via 198.18.0.9 dev up-isp1
ip route replace 198.18.0.38/32 via 198.18.0.9 dev up-isp1
ip route replace 198.18.0.42/32 via 198.18.0.9 dev up-isp1
ip route replace 198.18.0.46/32 via 198.18.0.9 dev up-isp1
ip route replace 198.18.0.18/32 via 198.18.0.9 dev up-isp1 table 101
ip route replace 198.18.0.22/32 via 198.18.0.9 dev up-isp1 table 101
ip route replace 198.18.0.26/32 via 198.18.0.9 dev up-isp1 table 101
ip route replace 198.18.0.30/32 via 198.18.0.9 dev up-isp1 table 101
ip route replace 198.18.0.34/32 via 198.18.0.9 dev up-isp1 table 101
ip route replace 198.18.0.38/32 via 198.18.0.9 dev up-isp1 table 101
ip route replace 198.18.0.42/32 via 198.18.0.9 dev up-isp1 table 101
ip route replace 198.18.0.46/32 via 198.18.0.9 dev up-isp1 table 101
ip route replace 198.18.0.18/32 via 198.18.0.13 dev up-isp2 table 102
ip route replace 198.18.0.22/32 via 198.18.0.13 dev up-isp2 table 102
ip route replace 198.18.0.26/32 via 198.18.0.13 dev up-isp2 table 102
ip route replace 198.18.0.30/32 via 198.18.0.13 dev up-isp2 table 102
ip route replace 198.18.0.34/32 via 198.18.0.13 dev up-isp2 table 102
ip route replace 198.18.0.38/32 via 198.18.0.13 dev up-isp2 table 102
ip route replace 198.18.0.42/32 via 198.18.0.13 dev up-isp2 table 102
ip route replace 198.18.0.46/32 via 198.18.0.13 dev up-isp2 table 102
ip rule add fwmark 0x65 table 101 priority 1001
ip rule add fwmark 0x66 table 102 priority 1002
setsid -f env MALLOC_MMAP_THRESHOLD_=131072 bgpfo daemon --config /etc/bgpfo-lab/bgpfo.yaml >/run/bgpfo.log 2>&1
