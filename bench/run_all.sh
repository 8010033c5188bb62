#!/usr/bin/env bash
# Runs the three benchmarks with their default sizes and prints a Markdown
# summary table (what docs/performance.md records).
#
# Usage: bench/run_all.sh [PATIENTS...]   (import sizes; default 10000 100000)
# Takes about 15 minutes on the 2-core reference machine (the 100k-patient
# import is most of it). Needs: scripts/setup.sh && scripts/build.sh release.
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
BENCH_SUMMARY=$(mktemp "${TMPDIR:-/tmp}/parcours-bench-summary.XXXXXX")
export BENCH_SUMMARY
trap 'rm -f "$BENCH_SUMMARY"' EXIT

started=$(date -u +%FT%TZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
"$here/import.sh" "$@"
echo
"$here/read.sh"
echo
"$here/transactions.sh"
echo

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
echo "## Summary ($started; $(nproc) cores, $cpu, $mem; load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| measure | Parcours | baseline (same run) | ratio | target |"
echo "| --- | --- | --- | --- | --- |"
cat "$BENCH_SUMMARY"
