#!/usr/bin/env bash
# Builds the parser benchmark in a release build (build-bench/) and runs it.
#
#   bash bench/run.sh                      100 MB stream, 4 KiB chunks, 5 runs per parser
#   bash bench/run.sh --size-mb 20 --runs 3
#   bash bench/run.sh --help               every option of parser-bench
#
# Arguments are passed to parser-bench. BENCH_BUILD_DIR overrides the build directory. Figures
# depend on the machine: quote them only together with the machine they were measured on.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dir=${BENCH_BUILD_DIR:-build-bench}
options=(--wrap-mode=nodownload -Dbuildtype=release -Dbenchmarks=enabled -Dtests=disabled
  -Dfuzzers=disabled -Dtools=false)

mkdir -p "$dir"
log=$dir/bench-build.log
build() {
  if [ -f "$dir/meson-private/coredata.dat" ]; then
    meson setup --reconfigure "$dir" "${options[@]}"
  else
    meson setup "$dir" "${options[@]}"
  fi
  meson compile -C "$dir" bench/parser-bench
}
if ! build >"$log" 2>&1; then
  cat "$log" >&2
  echo "bench/run.sh: the build failed (log: $log)" >&2
  exit 1
fi

echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
echo "compiler: $(${CXX:-c++} --version | head -n1)"
exec "$dir/bench/parser-bench" "$@"
