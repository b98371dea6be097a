#!/usr/bin/env bash
# The scale benchmark: builds many-sessions-bench (the epoll adapter), many-sessions-server (the
# in-repo test server behind an epoll server) and, when libstrophe is installed,
# strophe-sessions-bench in a release build, runs them and prints one table.
#
#   bash bench/run-many-sessions.sh                     1,000 and 10,000 sessions
#   bash bench/run-many-sessions.sh --sessions 100000   also 100,000 (the fd limit permitting)
#   bash bench/run-many-sessions.sh --only 500 --duration 10 --idle 2
#
# Options: --sessions N (adds a size; repeatable), --only N (runs only that size), and
# --duration S, --interval S, --idle S, --in-flight N, --read-chunk B for many-sessions-bench.
# Each run is its own process (a server process each), libstrophe's too: past FD_SETSIZE
# (1,024 descriptors) its select() loop aborts the process, and that must not take the
# benchmark with it. BENCH_BUILD_DIR overrides the build directory (default build-bench/; an
# existing one is built as configured). Figures depend on the machine: quote them together.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sizes=(1000 10000)
client_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --sessions) sizes+=("$2"); shift 2 ;;
    --only) sizes=("$2"); shift 2 ;;
    --duration|--interval|--idle|--in-flight|--read-chunk) client_args+=("$1" "$2"); shift 2 ;;
    *) echo "run-many-sessions.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

dir=${BENCH_BUILD_DIR:-build-bench}
log=$dir/many-sessions-build.log
mkdir -p "$dir"
build() {
  if [ ! -f "$dir/meson-private/coredata.dat" ]; then
    meson setup "$dir" --wrap-mode=nodownload -Dbuildtype=release -Dbenchmarks=enabled \
      -Dtests=disabled -Dfuzzers=disabled -Dtools=false -Dadapters=enabled
  fi
  local targets=(bench/many-sessions-bench bench/many-sessions-server)
  if pkg-config --exists libstrophe; then targets+=(bench/strophe-sessions-bench); fi
  ninja -C "$dir" -j"${BENCH_JOBS:-2}" "${targets[@]}"
}
if ! build >"$log" 2>&1; then
  cat "$log" >&2
  echo "run-many-sessions.sh: the build failed (log: $log)" >&2
  exit 1
fi

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/ {print $2}') GB RAM, Linux $(uname -r)"
echo "compiler: $(${CXX:-c++} --version | head -n1)"
echo "limits: RLIMIT_NOFILE $(ulimit -Sn)/$(ulimit -Hn), ip_local_port_range $(tr '\t' '-' </proc/sys/net/ipv4/ip_local_port_range), fs.nr_open $(cat /proc/sys/fs/nr_open)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (wall-clock login times suffer from other load; CPU times less)"
echo "setup: loopback, plaintext (no TLS), SASL PLAIN, XEP-0198 on, server = xmpp::testing::Server per connection in a separate process"
echo

results=()
run() {  # name, executable, args...
  local name=$1 exe=$2 out status
  shift 2
  out=$(mktemp)
  echo "== $name $*"
  set +e
  "$exe" "$@" >"$out" 2>&1
  status=$?
  set -e
  cat "$out"
  local line
  line=$(grep '^RESULT ' "$out" | tail -n1 || true)
  if [ -z "$line" ]; then
    # No result: it crashed or failed; keep its last words for the table.
    local why
    why=$(grep -v -e '^RESULT' -e '^  [0-9]* online' -e '^server: ' "$out" | tail -n1 | tr -d '|' |
      cut -c1-90)
    local online
    online=$(grep -o '^  [0-9]* online' "$out" | tail -n1 | tr -d ' a-z' || true)
    line="RESULT sessions=$(echo "$*" | grep -o -- '--sessions [0-9]*' | cut -d' ' -f2) status=exit-$status online=${online:-?} note=${why// /_}"
  fi
  results+=("client=$name ${line#RESULT }")
  rm -f "$out"
  echo
}

for n in "${sizes[@]}"; do
  run xmpp-sansio/epoll "$dir/bench/many-sessions-bench" --sessions "$n" "${client_args[@]}"
  if [ -x "$dir/bench/strophe-sessions-bench" ]; then
    run libstrophe "$dir/bench/strophe-sessions-bench" --sessions "$n" --idle 10
  fi
done

field() { # key, line
  local v
  v=$(echo "$2" | tr ' ' '\n' | grep "^$1=" | head -n1 | cut -d= -f2-)
  echo "${v:--}"
}
echo "| client | sessions | status | login time (s) | heap/session (B) | RSS/session (B) | login CPU/session: client (of which system), server (µs) | idle CPU, client (µs/s) | CPU/message: client (of which system), server (µs) | messages | lost |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for r in "${results[@]}"; do
  status=$(field status "$r")
  note=$(field note "$r")
  [ "$note" != "-" ] && status="$status, last progress $(field online "$r") online (${note//_/ })"
  printf '| %s | %s | %s | %s | %s | %s | %s (%s), %s | %s | %s (%s), %s | %s | %s |\n' \
    "$(field client "$r")" "$(field sessions "$r")" "$status" "$(field login_s "$r")" \
    "$(field heap_per "$r")" "$(field rss_per "$r")" "$(field login_cpu_us "$r")" \
    "$(field login_system_cpu_us "$r")" "$(field login_server_cpu_us "$r")" \
    "$(field idle_cpu_us_per_s "$r")" "$(field msg_cpu_us "$r")" \
    "$(field msg_system_cpu_us "$r")" "$(field msg_server_cpu_us "$r")" \
    "$(field messages "$r")" "$(field lost "$r")"
done
