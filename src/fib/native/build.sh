#!/bin/sh
# Builds the kernel FIB writer's netlink helper into dist/native/ (run by `npm run build`, so by setup and by npm pack).
# Linked statically when the C library allows it, so a packed bgpfo runs it on any Linux of the same architecture.
# Without a C compiler nothing is built and the Linux FIB writes through `ip -batch` instead (it logs which writer).
cd "$(dirname "$0")/../../.." || exit 1
SRC=src/fib/native/bgpfo-netlink.c
OUT=dist/native/bgpfo-netlink
CC=${CC:-cc}
[ -x "$OUT" ] && [ "$OUT" -nt "$SRC" ] && [ "$OUT" -nt src/fib/native/build.sh ] && exit 0
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "bgpfo build: no C compiler ($CC): the netlink FIB writer is not built; the kernel FIB will use ip -batch" >&2
  exit 0
fi
mkdir -p dist/native
FLAGS="-O2 -s -Wall -Wextra -Werror -std=c11"
"$CC" $FLAGS -static -o "$OUT" "$SRC" 2>/dev/null || "$CC" $FLAGS -o "$OUT" "$SRC" || {
  echo "bgpfo build: compiling $SRC failed: the kernel FIB will use ip -batch" >&2
  rm -f "$OUT"
  exit 0
}
