#!/usr/bin/env bash
# Configures and builds one flavour: release (default) or asan (ASan+UBSan).
# Usage: scripts/build.sh [release|asan] [cmake --build args...]
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}; shift || true
case $flavour in
  release) type=RelWithDebInfo; extra=() ;;
  asan) type=Debug; extra=(-DPARCOURS_SANITIZE=ON) ;;
  *) echo "unknown flavour: $flavour (release|asan)" >&2; exit 2 ;;
esac
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Hash paths relative to the checkout, so that a fresh clone elsewhere
  # still hits the cache.
  export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true
fi
if [[ ! -f build/$flavour/build.ninja ]]; then
  cmake -S . -B "build/$flavour" -G Ninja -DCMAKE_BUILD_TYPE=$type "${launcher[@]}" "${extra[@]}" >/dev/null
fi
cmake --build "build/$flavour" "$@"
