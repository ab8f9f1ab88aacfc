#!/usr/bin/env bash
# What the containerlab tests need on a fresh Debian machine (as root): Docker (Debian's docker.io) and debootstrap
# (image bases are made from Debian packages: there is no registry here), and a running dockerd. A dockerd that
# already answers is used as it is. One started here gets no bridge and no iptables rules (lab containers run with
# --network none; these machines must not gain addresses, NAT or forwarding), logs to /var/log/bgpfo-dockerd.log.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "bgpfo setup-docker: needs root (apt-get, dockerd)" >&2
  exit 1
fi
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if ((${#need[@]})); then
  echo "bgpfo setup-docker: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then exit 0; fi
# shellcheck source=scripts/lib/pidfile.sh
source "$(dirname "$0")/lib/pidfile.sh"
if ! clear_stale_pidfile /var/run/docker.pid dockerd; then
  echo "bgpfo setup-docker: dockerd runs (pid $(cat /var/run/docker.pid)) but does not answer on /var/run/docker.sock;" \
    "wait for it or stop it (kill $(cat /var/run/docker.pid)) and run this again" >&2
  exit 1
fi
# dockerd's own containerd: a live pid here makes dockerd wait on a containerd that is not there.
clear_stale_pidfile /var/run/docker/containerd/containerd.pid containerd || true
log=/var/log/bgpfo-dockerd.log
echo "bgpfo setup-docker: starting dockerd (log: $log)"
start=$(($(wc -l <"$log" 2>/dev/null || echo 0) + 1))
setsid nohup dockerd --bridge=none --iptables=false --ip6tables=false --ip-forward=false >>"$log" 2>&1 </dev/null &
dockerd_pid=$!
for _ in $(seq 1 60); do
  if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    echo "bgpfo setup-docker: dockerd $(docker version --format '{{.Server.Version}}') up ($(docker info --format '{{.Driver}}, cgroup v{{.CgroupVersion}}'))"
    exit 0
  fi
  if ! kill -0 "$dockerd_pid" 2>/dev/null; then
    echo "bgpfo setup-docker: dockerd exited at start; what it wrote ($log):" >&2
    tail -n "+$start" "$log" | tail -n 20 >&2
    exit 1
  fi
  sleep 0.5
done
echo "bgpfo setup-docker: dockerd did not answer within 30 s; what it wrote ($log):" >&2
tail -n "+$start" "$log" | tail -n 20 >&2
exit 1
