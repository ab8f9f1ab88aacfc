#!/usr/bin/env bash
# `npm run lab` (as root): sets up, brings up the four-tunnel active/active lab in network namespaces, shows the
# BGP sessions, sends many UDP flows across and shows how ECMP spreads them over the four tunnels, blackholes one
# tunnel while traffic flows and shows what the failover cost (packets lost, longest gap), restores it, and
# tears everything down, also on Ctrl-C or an error. docs/lab.md explains each step and the knobs below.
#
#   BGPFO_DEMO_LAB=demo          lab name (namespaces bgpfo-<name>-*)
#   BGPFO_DEMO_TUNNEL=wireguard  or veth (no crypto)
#   BGPFO_LAB_ROUTER_DAEMON=     bird or frr instead of bgpfo on the on-prem routers, to compare
#   BGPFO_LAB_FAR_DAEMON=        bird or frr instead of what the topology says on the far gateways
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "npm run lab needs root (it creates network namespaces): sudo npm run lab" >&2
  exit 1
fi
bash scripts/setup.sh

LAB=${BGPFO_DEMO_LAB:-demo}
TUNNEL=${BGPFO_DEMO_TUNNEL:-wireguard}
TOPO=topologies/four-tunnel-active-active.yaml
bgpfo() { node dist/cli/main.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
out=$(mktemp)

cleanup() {
  local code=$?
  [ -n "${traffic_pid:-}" ] && kill "$traffic_pid" 2>/dev/null || true
  step "tearing down"
  bgpfo lab down --name "$LAB" || true
  rm -f "$out"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits until lab status says every tunnel is up (the blackholed one's session has come back).
wait_all_up() {
  for _ in $(seq 90); do
    if bgpfo lab status "$LAB" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.exit(JSON.parse(s).tunnels.every(t=>t.up)?0:1))'; then return 0; fi
    sleep 1
  done
  echo "the tunnels did not all come back within 90 s" >&2
  return 1
}

step "1/6 bringing up $TOPO as lab $LAB ($TUNNEL tunnels)"
bgpfo lab up "$TOPO" --name "$LAB" --tunnel "$TUNNEL"

step "2/6 tunnels and BGP sessions"
bgpfo lab status "$LAB"

step "3/6 64 UDP flows from hq-h1 to dc-h1 for 5 s: ECMP spreads them over the four tunnels"
bgpfo lab traffic "$LAB" --from hq-h1 --to dc-h1 --flows 64 --pps 2000 --seconds 5

step "4/6 the same traffic for 10 s; after 3 s tunnel t1 (r1-gw1) is blackholed: packets vanish, the link stays up"
bgpfo lab traffic "$LAB" --from hq-h1 --to dc-h1 --flows 64 --pps 2000 --seconds 10 >"$out" &
traffic_pid=$!
sleep 3
bgpfo lab fault "$LAB" blackhole t1
wait "$traffic_pid"
traffic_pid=
echo
cat "$out"
echo
echo "(t1's packets are the ones sent before the failover was complete; 'lost' and 'longest gap' are its cost.)"
bgpfo lab status "$LAB" | sed -n '1,9p'

step "5/6 restoring t1; once its session is back, traffic uses all four tunnels again"
bgpfo lab fault "$LAB" restore t1
wait_all_up
bgpfo lab traffic "$LAB" --from hq-h1 --to dc-h1 --flows 64 --pps 2000 --seconds 3

step "6/6 done"
