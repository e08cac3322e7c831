#!/usr/bin/env bash
# gradlab's one set-up script: installs the Debian packages gradlab needs when they are missing,
# configures and builds with a CMake preset, then runs what was asked.
#
#   scripts/setup.sh demo              # set up, build (release) and run the main job
#   scripts/setup.sh test              # set up, build (release) and run the whole test suite (ctest)
#   scripts/setup.sh test debug-sanitize   # the same under ASan + UBSan
#   scripts/setup.sh build [PRESET]    # set up and build only
set -euo pipefail
cd "$(dirname "$0")/.."

action=${1:-build}
preset=${2:-release}

# Debian packages gradlab builds against (and the tools its figures and docs use).
packages=(
  cmake g++ make pkg-config
  libeigen3-dev libfmt-dev libboost-test-dev libcli11-dev nlohmann-json3-dev libbenchmark-dev
  gnuplot-nox graphviz imagemagick doxygen python3 valgrind
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "gradlab needs these Debian packages: ${missing[*]}" >&2
    echo "Install them as root, then run this script again:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs"

case "$action" in
  build) ;;
  demo)
    if [[ -x "build/$preset/cli/gradlab" ]]; then
      "build/$preset/cli/gradlab" article --out out/
    else
      "build/$preset/examples/demo_gradients"
    fi
    ;;
  test)
    ctest --preset "$preset" -j "$jobs" "${@:3}"
    ;;
  *)
    echo "usage: scripts/setup.sh demo|test|build [PRESET]" >&2
    exit 2
    ;;
esac
