#!/bin/sh
# Container command of the bgpfo-frr image: start FRR's daemons from /etc/frr (bound by containerlab), then stay
# in the foreground so the container lives on while FRR is stopped and started by scenarios (frrinit.sh).
set -eu
chown -R frr:frr /etc/frr 2>/dev/null || true  # binds arrive root-owned; FRR reads them as user frr
/usr/lib/frr/frrinit.sh start
exec sleep infinity
