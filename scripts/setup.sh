#!/usr/bin/env bash
# Installs what bgpfo's lab, tests and benchmarks need on a fresh Debian machine (as root):
# routing daemons to interoperate with, namespace/firewall tools, fish and zsh (their completion is tested), systemd-analyze
# (the rendered unit is verified), Prometheus (the Grafana dashboard's queries are run against it), then the npm
# packages and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

# stress-ng: the CPU load of bench/bfd-false-downs.ts and test/integration/bfd-process.test.ts.
# gcc + libc6-dev: the kernel FIB's netlink helper (src/fib/native/, built by `npm run build`; static with libc.a).
need_pkgs=()
for pair in gcc:/usr/bin/gcc libc6-dev:/usr/include/stdio.h frr:/usr/lib/frr/bgpd bird2:/usr/sbin/bird nftables:/usr/sbin/nft wireguard-go:/usr/bin/wireguard-go \
  wireguard-tools:/usr/bin/wg iproute2:/usr/sbin/ip iputils-ping:/usr/bin/ping tcpdump:/usr/bin/tcpdump \
  fish:/usr/bin/fish zsh:/usr/bin/zsh stress-ng:/usr/bin/stress-ng systemd:/usr/bin/systemd-analyze prometheus:/usr/bin/prometheus curl:/usr/bin/curl; do
  pkg=${pair%%:*}; file=${pair#*:}
  [ -e "$file" ] || need_pkgs+=("$pkg")
done
if ((${#need_pkgs[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "bgpfo setup: missing Debian packages ${need_pkgs[*]}; run as root (or: sudo apt-get install ${need_pkgs[*]})" >&2
    exit 1
  fi
  echo "bgpfo setup: installing ${need_pkgs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
# The Debian frr package may start its own instance; ours run per namespace with -N, so stop the global one.
if pgrep -x watchfrr >/dev/null 2>&1; then service frr stop >/dev/null 2>&1 || true; fi

# `npm install` rather than `npm ci`: with this machine's npm settings (no resolved URLs in the lock file) npm ci
# refuses the lock for lacking other platforms' optional packages (@swc/core-darwin-*), while install honours it.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund --loglevel=error
fi
npm run -s build
# Jazzer.js for the fuzz targets (fuzz/): its native addon is built here against Debian's libFuzzer (docs/fuzzing.md).
bash fuzz/setup.sh
