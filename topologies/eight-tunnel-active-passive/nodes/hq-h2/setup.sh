#!/bin/sh
# Brings up hq-h2 (host) once containerlab has created its links.
# Rendered by `bgpfo render` from eight-tunnel-active-passive.yaml (lab ap8); edit the topology and render again.
set -eu
ip link set lo up
ip addr add 10.10.0.11/24 dev lan
ip link set lan up
ip route replace default via 10.10.0.1 dev lan
