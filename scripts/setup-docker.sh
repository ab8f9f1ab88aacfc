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
log=/var/log/bgpfo-dockerd.log
echo "bgpfo setup-docker: starting dockerd (log: $log)"
setsid nohup dockerd --bridge=none --iptables=false --ip6tables=false --ip-forward=false >>"$log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    echo "bgpfo setup-docker: dockerd $(docker version --format '{{.Server.Version}}') up ($(docker info --format '{{.Driver}}, cgroup v{{.CgroupVersion}}'))"
    exit 0
  fi
  sleep 0.5
done
echo "bgpfo setup-docker: dockerd did not answer within 30 s; the end of $log:" >&2
tail -n 20 "$log" >&2
exit 1
