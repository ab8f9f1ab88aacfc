# Pid files a killed daemon left behind. Sourced by scripts/setup-docker.sh; tested by test/unit/scripts/pidfile.test.ts.
# A daemon killed with SIGKILL (a machine's cleanup between jobs does that) leaves its pid file, and pids wrap at
# pid_max (32768 here) within one test run: dockerd then finds "its" pid alive in another process and will not start.

# clear_stale_pidfile FILE NAME: remove FILE unless the process it names runs the program NAME.
# Prints what it removed; returns 1 (and keeps FILE) when NAME really runs under that pid.
clear_stale_pidfile() {
  local file=$1 name=$2 pid exe
  [ -e "$file" ] || return 0
  pid=$(tr -dc '0-9' <"$file")
  if [ -n "$pid" ] && [ -d "/proc/$pid" ]; then
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
    if [ "$(basename "${exe% (deleted)}")" = "$name" ]; then return 1; fi
  fi
  rm -f "$file"
  echo "removed $file: pid ${pid:-(none)} is not a running $name (left by a $name that was killed)"
}
