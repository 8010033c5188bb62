#!/usr/bin/env bash
# Sets up, builds and runs every test: the release build, then the same suite
# under AddressSanitizer + UndefinedBehaviorSanitizer, then the format check.
# This is command (2) of the README, and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/setup.sh

echo "== release build and tests"
time scripts/build.sh release
ctest --test-dir build/release --output-on-failure -j"$jobs"

echo "== ASan + UBSan build and tests"
time scripts/build.sh asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j"$jobs"

echo "== clang-format"
scripts/format.sh --check
