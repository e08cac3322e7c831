#!/usr/bin/env bash
# Builds gradlab's libFuzzer targets with clang (ASan + UBSan) in build/fuzz and runs each one for
# SECONDS seconds (default 60). A crash leaves its input as build/fuzz/crash-*; turn it into a
# regression test (tests/cli) and add it to the seed corpus.
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
cmake --build build/fuzz -j 2 --target fuzz_expr fuzz_bindings
for target in expr bindings; do
  corpus=build/fuzz/corpus/$target
  mkdir -p "$corpus"
  echo "== fuzz_$target for $seconds s =="
  (cd build/fuzz && "tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -rss_limit_mb=4096 -print_final_stats=1 "corpus/$target" "../../tests/fuzz/corpus/$target")
done
