#!/usr/bin/env bash
# Installs Jazzer.js 2.1.0 for fuzz/ and builds its native addon against Debian's libFuzzer (LLVM 14).
# Jazzer.js 4's prebuilt addon needs glibc 2.38 (Debian 12 has 2.36), and its install step downloads a patched
# compiler-rt from GitHub; here the addon's own sources are compiled with g++ and linked to Debian's
# libclang_rt.fuzzer_no_main, with native/ standing in for the fork's additions. Idempotent; about 30 s.
set -euo pipefail
cd "$(dirname "$0")"
ADDON=node_modules/@jazzer.js/fuzzer/build/Release/jazzerjs.node
LIBFUZZER=$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$LIBFUZZER" ] || ! command -v g++ >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends libclang-rt-14-dev g++ >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends libclang-rt-14-dev g++ >/dev/null; }
  LIBFUZZER=$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | sort -V | tail -1)
fi
NODE_INCLUDE=$(dirname "$(command -v node)")/../include/node
[ -f "$NODE_INCLUDE/node_api.h" ] || { echo "fuzz/setup.sh: node_api.h not found under $NODE_INCLUDE" >&2; exit 1; }
# --ignore-scripts: the package's own install step would try GitHub (prebuild-install, then a compiler-rt download).
[ -d node_modules/@jazzer.js/core ] || npm install --ignore-scripts --no-audit --no-fund >/dev/null
if [ ! -f "$ADDON" ] || [ "$ADDON" -ot "$LIBFUZZER" ] || [ "$ADDON" -ot native/pc_trampolines.cpp ]; then
  SRC=node_modules/@jazzer.js/fuzzer
  mkdir -p "$SRC/build/Release" build
  g++ -c -fPIC -std=c++17 -O0 native/pc_trampolines.cpp -o build/pc_trampolines.o
  g++ -shared -fPIC -std=c++17 -O2 -DNAPI_VERSION=4 -DNAPI_CPP_EXCEPTIONS \
    -I"$NODE_INCLUDE" -Inode_modules/node-addon-api -Inative/include -I"$SRC" \
    "$SRC"/*.cpp "$SRC"/shared/*.cpp native/print_crashing_input.cpp build/pc_trampolines.o \
    -Wl,--whole-archive "$LIBFUZZER" -Wl,--no-whole-archive -lpthread -o "$ADDON"
fi
node -e "require('./node_modules/@jazzer.js/fuzzer')" && echo "fuzz/setup.sh: Jazzer.js ready ($LIBFUZZER)"
