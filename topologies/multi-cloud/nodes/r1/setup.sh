#!/bin/sh
# Brings up r1 (onprem-router) once containerlab has created its links.
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
ip addr add 10.255.0.50/30 dev lan
ip addr add fd00:aff::32/126 dev lan
ip link set lan up
ip addr add 10.255.0.57/30 dev ib-r2
ip addr add fd00:aff::39/126 dev ib-r2
ip link set ib-r2 up
ip addr add 198.18.0.2/30 dev up-isp1
ip link set up-isp1 up
ip addr add 198.18.0.6/30 dev up-isp2
ip link set up-isp2 up
wg-quick up /etc/bgpfo-lab/wireguard/mc-t1o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t2o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t5o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t6o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t9o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t10o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t13o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t14o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t17o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t18o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t21o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t22o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t25o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t26o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t29o.conf
wg-quick up /etc/bgpfo-lab/wireguard/mc-t30o.conf
ip route replace 198.18.0.18/32 via 198.18.0.1 dev up-isp1
ip route replace 198.18.0.22/32 via 198.18.0.1 dev up-isp1
ip route replace 198.18.0.26/32 via 198.18.0.1 dev up-isp1
ip route replace 198.18.0.30/32 via 198.18.0.1 dev up-isp1
ip route replace 198.18.0.34/32 via 198.18.0.1 dev up-isp1
ip route replace 198.18.0.38/32 via 198.18.0.1 dev up-isp1
ip route replace 198.18.0.42/32 via 198.18.0.1 dev up-isp1
ip route replace 198.18.0.46/32 via 198.18.0.1 dev up-isp1
ip route replace 198.18.0.18/32 via 198.18.0.1 dev up-isp1 table 101
ip route replace 198.18.0.22/32 via 198.18.0.1 dev up-isp1 table 101
ip route replace 198.18.0.26/32 via 198.18.0.1 dev up-isp1 table 101
ip route replace 198.18.0.30/32 via 198.18.0.1 dev up-isp1 table 101
ip route replace 198.18.0.34/32 via 198.18.0.1 dev up-isp1 table 101
ip route replace 198.18.0.38/32 via 198.18.0.1 dev up-isp1 table 101
ip route replace 198.18.0.42/32 via 198.18.0.1 dev up-isp1 table 101
ip route replace 198.18.0.46/32 via 198.18.0.1 dev up-isp1 table 101
ip route replace 198.18.0.18/32 via 198.18.0.5 dev up-isp2 table 102
ip route replace 198.18.0.22/32 via 198.18.0.5 dev up-isp2 table 102
ip route replace 198.18.0.26/32 via 198.18.0.5 dev up-isp2 table 102
ip route replace 198.18.0.30/32 via 198.18.0.5 dev up-isp2 table 102
ip route replace 198.18.0.34/32 via 198.18.0.5 dev up-isp2 table 102
ip route replace 198.18.0.38/32 via 198.18.0.5 dev up-isp2 table 102
ip route replace 198.18.0.42/32 via 198.18.0.5 dev up-isp2 table 102
ip route replace 198.18.0.46/32 via 198.18.0.5 dev up-isp2 table 102
ip rule add fwmark 0x65 table 101 priority 1001
ip rule add fwmark 0x66 table 102 priority 1002
setsid -f env MALLOC_MMAP_THRESHOLD_=131072 bgpfo daemon --config /etc/bgpfo-lab/bgpfo.yaml >/run/bgpfo.log 2>&1
