#!/bin/bash
# Builds the libFuzzer targets (clang-14 with ASan and UBSan) in BUILD and runs
# each for SECONDS, seeded from the test files; the corpus grows in
# BUILD/corpus/ from run to run, crashes land in BUILD/crashes/TARGET/.
# Prints the executions of each target; exits 1 if any crashed, 77 (skipped)
# without clang++-14.
#   usage: tests/fuzz/run.sh BUILD SECONDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(mkdir -p "$1" && cd "$1" && pwd)
seconds=$2
targets=(extxyz lammps_data weights checkpoint request)

if ! command -v clang++-14 >/dev/null; then
  echo "clang++-14 is not installed (make deps): fuzzing skipped"
  exit 77
fi
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRIDER_FUZZ=ON \
  -DSTRIDER_WITH_TORCH=OFF -DBUILD_TESTING=OFF "${launcher[@]}" >"$build/configure.log"
cmake --build "$build" -j "${JOBS:-2}" --target "${targets[@]/#/fuzz_}" >"$build/build.log" || {
  tail -30 "$build/build.log"
  exit 1
}

seed() {  # TARGET FILES...: copies the files into the target's corpus
  local target=$1
  shift
  mkdir -p "$build/corpus/$target"
  for file in "$@"; do cp "$file" "$build/corpus/$target/seed-$(basename "$file")"; done
}
seed extxyz "$root"/tests/fixtures/*.xyz "$root"/tests/references/*.xyz "$root"/tests/cli/*.xyz
seed lammps_data "$root"/tests/fixtures/*.data "$here"/seeds/*.data
seed weights "$here"/seeds/*.weights
seed checkpoint "$here"/seeds/*.checkpoint
seed request "$here"/seeds/*.json

status=0
for target in "${targets[@]}"; do
  log="$build/fuzz_$target.log"
  mkdir -p "$build/crashes/$target"
  # -rss_limit_mb also caps any single allocation (malloc_limit_mb): a size read from
  # the input and allocated unchecked is reported as a crash. -timeout is wall-clock
  # time per input: 30 s, as a busy shared box once stalled a 0.1 s input for 10 s.
  if "$build/tests/fuzz/fuzz_$target" "$build/corpus/$target" -max_total_time="$seconds" -timeout=30 \
    -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$build/crashes/$target/" -print_final_stats=1 \
    >"$log" 2>&1; then
    result="no crash"
  else
    result="CRASH (see $build/crashes/$target/)"
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  echo "fuzz_$target: $runs executions in $seconds s, $result"
  if [ "$result" != "no crash" ]; then grep -A25 'ERROR\|==ERROR\|runtime error\|deadly' "$log" | head -60; fi
done
exit $status
