#!/usr/bin/env bash
# Runs every fuzz target: first once over its seed corpus and saved regressions, then for SECONDS
# seconds on new inputs. The corpus is copied to a temporary directory, so the repository is not
# modified; crashing inputs are kept there and their paths printed.
#
# usage: fuzz/run-fuzzers.sh BUILD_DIR SECONDS
#   BUILD_DIR: a build configured with clang, e.g.
#     CXX=clang++ meson setup build-fuzz -Dtests=disabled -Dbenchmarks=disabled && ninja -C build-fuzz
# Exit status: 0 if no target crashed, 1 if one did, 2 on a usage error.
set -u -o pipefail

if [[ $# -ne 2 || ! $2 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build=$1
seconds=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
targets=(fuzz_stream_parser fuzz_writer_roundtrip fuzz_client_session fuzz_client_sm
  fuzz_chat_input fuzz_session_app)

# The dictionary of each target (fuzz/meson.build makes the same choice).
dict_of() {
  case $1 in
    fuzz_client_session) echo "$here/client.dict" ;;
    fuzz_client_sm) echo "$here/sm.dict" ;;
    fuzz_chat_input) echo "$here/chat.dict" ;;
    fuzz_session_app) echo "$here/session_app.dict" ;;
    *) echo "$here/xml.dict" ;;
  esac
}

work=$(mktemp -d "${TMPDIR:-/tmp}/xmpp-fuzz.XXXXXX")
failed=0

# The number of executions libFuzzer reports at the end of a run ("Done N runs", "#N DONE", or
# with -print_final_stats=1 after a crash, "stat::number_of_executed_units: N").
runs_of() {
  local n
  n=$(sed -n 's/^Done \([0-9][0-9]*\) runs.*/\1/p' "$1" | tail -n 1)
  [[ -n $n ]] || n=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]]*DONE.*/\1/p' "$1" | tail -n 1)
  [[ -n $n ]] || n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' "$1" | tail -n 1)
  echo "${n:-?}"
}

crashed() {
  local target=$1 log=$2
  echo "  CRASH in $target; log: $log" >&2
  grep -E '^(\*\*\* invariant broken|==[0-9]+==ERROR|SUMMARY:|.*runtime error:)' "$log" | head -n 5 >&2
  find "$work/$target/artifacts" -type f -printf '  input: %p\n' >&2
  failed=1
}

for target in "${targets[@]}"; do
  exe=$build/fuzz/$target
  if [[ ! -x $exe ]]; then
    echo "$target: not built ($exe missing; configure the build with CXX=clang++)" >&2
    failed=1
    continue
  fi
  dir=$work/$target
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp -R "$here/corpus/$target/." "$dir/corpus/"
  seeds=$(find "$dir/corpus" -type f | wc -l)
  replay=("$dir/corpus")
  if [[ -d $here/regressions/$target ]]; then
    mkdir -p "$dir/regressions"
    cp -R "$here/regressions/$target/." "$dir/regressions/"
    replay+=("$dir/regressions")
  fi
  common=(-dict="$(dict_of "$target")" -artifact_prefix="$dir/artifacts/" -timeout=30
    -rss_limit_mb=2048)

  # Pass 1: every seed and saved regression once.
  if ! "$exe" "${common[@]}" -runs=0 "${replay[@]}" >"$dir/replay.log" 2>&1; then
    crashed "$target" "$dir/replay.log"
    continue
  fi

  # Pass 2: new inputs for SECONDS seconds.
  start=$(date +%s)
  if ! "$exe" "${common[@]}" -max_total_time="$seconds" -print_final_stats=1 "$dir/corpus" \
    >"$dir/fuzz.log" 2>&1; then
    crashed "$target" "$dir/fuzz.log"
    echo "$target: $(runs_of "$dir/fuzz.log") executions before the crash"
    continue
  fi
  elapsed=$(($(date +%s) - start))
  corpus=$(find "$dir/corpus" -type f | wc -l)
  echo "$target: $(runs_of "$dir/fuzz.log") executions in ${elapsed}s" \
    "(corpus $seeds -> $corpus inputs)"
done

if ((failed)); then
  echo "fuzzing failed; inputs and logs are in $work" >&2
  exit 1
fi
rm -rf "$work"
echo "no crashes"
