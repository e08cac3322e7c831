#!/usr/bin/env bash
# gradlab's one set-up script: installs the Debian packages gradlab needs when they are missing,
# configures and builds with a CMake preset, then runs what was asked.
#
#   scripts/setup.sh demo              # set up, build (release) and run the main job
#   scripts/setup.sh test              # set up, build (release: for this machine's CPU) and run the
#                                      # whole test suite (ctest)
#   scripts/setup.sh test portable     # the same on the portable build (any x86-64, same digits)
#   scripts/setup.sh test debug-sanitize   # the same under ASan + UBSan
#   scripts/setup.sh build [PRESET]    # set up and build only
#   scripts/setup.sh web               # also emscripten + chromium: build the page (preset wasm) into
#                                      # build/wasm/web/ and serve it on 127.0.0.1 (docs/web.md)
#   scripts/setup.sh web-build         # the same, without serving
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

# The page: only these actions need emscripten (to build it) and chromium (its tests, docs/web.md).
if [[ $action == web || $action == web-build ]]; then
  web_missing=()
  for p in emscripten chromium; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || web_missing+=("$p")
  done
  if ((${#web_missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
      echo "the page needs these Debian packages: ${web_missing[*]}; as root: apt-get install -y ${web_missing[*]}" >&2
      exit 1
    fi
    echo "Installing: ${web_missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${web_missing[@]}" ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${web_missing[@]}"; }
  fi
  cmake --preset wasm >/dev/null
  cmake --build --preset wasm -j "$jobs"
  [[ $action == web-build ]] && exit 0
  # Serve on 127.0.0.1 only, on GRADLAB_WEB_PORT (default 8000, or a free port when it is taken).
  exec python3 - "build/wasm/web" "${GRADLAB_WEB_PORT:-8000}" <<'PY'
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
try:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), handler)
except OSError:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(f"gradlab's page: http://127.0.0.1:{server.server_address[1]}/  (Ctrl-C stops the server)", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
PY
fi
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
    echo "usage: scripts/setup.sh demo|test|build [PRESET] | web | web-build" >&2
    exit 2
    ;;
esac
