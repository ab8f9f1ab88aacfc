#!/bin/sh
# Brings up internet (internet) once containerlab has created its links.
# Rendered by `bgpfo render` from multi-cloud.yaml (lab mc); edit the topology and render again.
set -eu
ip link set lo up
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1
[ "$(sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.all.rp_filter=0
[ "$(sysctl -n net.ipv4.conf.default.rp_filter)" = 0 ] || sysctl -qw net.ipv4.conf.default.rp_filter=0
ip addr add 198.18.0.1/30 dev r1-isp1
ip link set r1-isp1 up
ip addr add 198.18.0.5/30 dev r1-isp2
ip link set r1-isp2 up
ip addr add 198.18.0.9/30 dev r2-isp1
ip link set r2-isp1 up
ip addr add 198.18.0.13/30 dev r2-isp2
ip link set r2-isp2 up
ip addr add 198.18.0.17/30 dev aws-a-up
ip link set aws-a-up up
ip addr add 198.18.0.21/30 dev aws-b-up
ip link set aws-b-up up
ip addr add 198.18.0.25/30 dev az-a-up
ip link set az-a-up up
ip addr add 198.18.0.29/30 dev az-b-up
ip link set az-b-up up
ip addr add 198.18.0.33/30 dev gcp-a-up
ip link set gcp-a-up up
ip addr add 198.18.0.37/30 dev gcp-b-up
ip link set gcp-b-up up
ip addr add 198.18.0.41/30 dev dc2-gw1-up
ip link set dc2-gw1-up up
ip addr add 198.18.0.45/30 dev dc2-gw2-up
ip link set dc2-gw2-up up
