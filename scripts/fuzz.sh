#!/usr/bin/env bash
# Builds gradlab's libFuzzer targets with clang (ASan + UBSan) in build/fuzz and runs each one for
# SECONDS seconds (default 60). libFuzzer's progress (one line per new or reduced input) goes to
# build/fuzz/logs/TARGET.log, which is printed only when the target fails; otherwise one summary
# line and the final stats are shown. A crash, a timeout or running out of memory makes the script
# exit 1 after all targets ran, naming the reproducer (build/fuzz/artifacts/TARGET-crash-*): turn
# it into a regression test (tests/cli or tests/neuron) and add it to the seed corpus.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
cxx=$(command -v clang++ || command -v clang++-14 || true)
if [[ -z $cxx ]]; then
  echo "fuzz.sh: clang++ not found, so libFuzzer is not available; skipping" >&2
  exit 0
fi
cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRADLAB_FUZZ=ON \
  -DGRADLAB_SANITIZE=address,undefined -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link \
  -DGRADLAB_BUILD_TESTS=OFF -DGRADLAB_BUILD_BENCH=OFF -DGRADLAB_BUILD_EXAMPLES=OFF >/dev/null
root=$PWD/build/fuzz
mkdir -p "$root/logs" "$root/artifacts"
if ! cmake --build build/fuzz -j 2 --target fuzz_expr fuzz_bindings fuzz_csv >"$root/logs/build.log" 2>&1; then
  cat "$root/logs/build.log"
  echo "fuzz.sh: building the fuzz targets failed" >&2
  exit 1
fi
failed=()
for target in expr bindings csv; do
  corpus=$root/corpus/$target
  log=$root/logs/$target.log
  mkdir -p "$corpus"
  rm -f "$root/artifacts/$target-"*
  if "$root/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$root/artifacts/$target-" "$corpus" "$PWD/tests/fuzz/corpus/$target" \
    >"$log" 2>&1; then
    # e.g. "#123456 DONE cov: 812 ft: 3012 corp: 350/20Kb ..." and the stat:: lines
    echo "fuzz_$target: ok for $seconds s: $(grep -m1 -o 'DONE.*' "$log" || echo 'done')"
    grep '^stat::' "$log" | sed 's/^stat:://; s/  */ /g' | tr '\n' ',' | sed 's/^/  /; s/,$//'
    echo
  else
    failed+=("$target")
    echo "fuzz_$target: FAILED; its log without the progress lines ($log):"
    grep -Ev '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|RELOAD)' "$log" || true
    for a in "$root/artifacts/$target-"*; do
      [[ -e $a ]] || continue
      echo "reproducer: $a"
      echo "  run it again: $root/tests/fuzz/fuzz_$target $a"
    done
  fi
done
if ((${#failed[@]})); then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
