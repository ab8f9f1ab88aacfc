#!/bin/sh
# Brings up hq-h1 (host) once containerlab has created its links.
# Rendered by `bgpfo render` from cloud-gateway.yaml (lab cgw); edit the topology and render again.
set -eu
ip link set lo up
ip addr add 10.10.0.10/24 dev lan
ip link set lan up
ip route replace default via 10.10.0.1 dev lan
