#!/usr/bin/env bash
# Search: import rate with the search index on, then the latency (p50, p95)
# and throughput of the typical coordination queries (bench/search_bench.cc),
# against a read by id measured in the same run.
#
# Usage: bench/search.sh [PATIENTS...]      (default: 10000 100000)
#   BENCH_ITERATIONS=N   queries per kind (default 300)
#   BENCH_THREADS=N      threads for the throughput column (default 2)
#
# For each size: generates the territory once (cached), imports it into a
# fresh store (timed: whole process, as bench/import.sh), then runs
# search_bench on that store (it first adds CarePlan, Task and Provenance,
# which the territory lacks). Stores are left in $BENCH_DATA/search-store-N
# for explain sessions: build/release/bench/search_bench --data STORE
# --explain 'Encounter?subject:Patient.name=martin' (or parcours serve and
# the X-Parcours-Explain: 1 header).
source "$(dirname "$0")/lib.sh"
need "$BENCH_BIN/search_bench"

sizes=("$@")
((${#sizes[@]})) || sizes=(10000 100000)
iterations=${BENCH_ITERATIONS:-300}
threads=${BENCH_THREADS:-2}

echo "== search =="
check_load
for n in "${sizes[@]}"; do
  src=$(territory_dir "$n")
  lines=$(ndjson_lines "$src")
  store="$BENCH_DATA/search-store-$n"
  rm -rf "$store"
  sync
  echo "-- $n patients: $(fmt "$lines") resources in $src"
  /usr/bin/time -f "TIME %e %U %S %M" -o "$BENCH_DATA/search-import-time" \
    "$PARCOURS" import --data "$store" "$src" >"$BENCH_DATA/search-import-out" 2>&1 ||
    { cat "$BENCH_DATA/search-import-out" >&2; die "parcours import failed"; }
  read -r _ wall user sys rss <"$BENCH_DATA/search-import-time"
  rate=$(awk -v n="$lines" -v t="$wall" 'BEGIN { printf "%.0f", n / t }')
  cpu_us=$(awk -v n="$lines" -v u="$user" -v s="$sys" 'BEGIN { printf "%.0f", (u + s) * 1e6 / n }')
  echo "   import with the search index: $(fmt "$lines") resources in $wall s = $(fmt "$rate") resources/s;" \
    "CPU $cpu_us µs/resource (user $user s, sys $sys s); max RSS $((rss / 1024)) MB; store $(du -sm "$store" | cut -f1) MB"
  sed -n 's/^of which/   of which/p' "$BENCH_DATA/search-import-out"
  summary "| import with the search index, $(fmt "$n") patients | $(fmt "$rate") resources/s ($cpu_us µs CPU/resource) | — | — | ≥ 15 000 resources/s |"
  "$BENCH_BIN/search_bench" --data "$store" --iterations "$iterations" --threads "$threads" | tee "$BENCH_DATA/search-$n.txt"
  base=$(awk '/^baseline/ { print $(NF-4) }' "$BENCH_DATA/search-$n.txt")
  while IFS= read -r line; do
    name=$(echo "$line" | cut -c1-45 | sed 's/ *$//')
    p50=$(echo "$line" | awk '{ print $(NF-4) }')
    p95=$(echo "$line" | awk '{ print $(NF-3) }')
    qps=$(echo "$line" | awk '{ print $(NF-1) }')
    summary "| $name, $(fmt "$n") patients | p50 $p50 ms, p95 $p95 ms, $qps q/s ($threads threads) | read by id p50 $base ms | $(ratio "$p50" "$base") | p50 ≤ 2 ms |"
  done < <(grep -v '^store:\|^query\|^baseline' "$BENCH_DATA/search-$n.txt")
done
