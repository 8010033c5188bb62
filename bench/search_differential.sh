#!/usr/bin/env bash
# The search differential test (tests/unit/search_differential_test.cc), run
# long: more patients, more random queries, several seeds. The test command
# runs a bounded version (120 patients, 400 queries).
#
# Usage: bench/search_differential.sh [PATIENTS] [QUERIES] [SEEDS...]
#   (default: 400 patients, 3000 queries, seeds 1 2 3)
#   TEST_BIN   the test binary (default build/release/tests/search_differential_test)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TEST_BIN=${TEST_BIN:-$ROOT/build/release/tests/search_differential_test}
[[ -x $TEST_BIN ]] || { echo "missing $TEST_BIN (build the tests first)" >&2; exit 1; }
patients=${1:-400}
queries=${2:-3000}
shift $(($# < 2 ? $# : 2))
seeds=("$@")
((${#seeds[@]})) || seeds=(1 2 3)
for seed in "${seeds[@]}"; do
  echo "-- seed $seed: $patients patients, $queries queries"
  PARCOURS_DIFF_PATIENTS=$patients PARCOURS_DIFF_QUERIES=$queries PARCOURS_DIFF_SEED=$seed "$TEST_BIN" --gtest_brief=1
done
