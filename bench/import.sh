#!/usr/bin/env bash
# Import rate: `parcours import` of a generated territory into a fresh store,
# against raw SQLite inserts of the same NDJSON lines in the same run.
#
# Usage: bench/import.sh [PATIENTS...]      (default: 10000 100000)
#   BENCH_REPEAT=N   runs each measurement N times (default 1), keeps the best
#   BENCH_BATCH=N    resources per commit, both sides (default 2000, as `import`)
#
# For each size: generates the territory once (cached in build/bench-data/),
# then alternates baseline and parcours runs. Times are wall clock of the
# whole process (open, load, final checkpoint). The baseline parses nothing
# and checks nothing: it is the rate at which this machine's SQLite and disk
# take these rows, i.e. the ceiling for any importer built on them.
source "$(dirname "$0")/lib.sh"
need "$BENCH_BIN/sqlite_insert_baseline"

sizes=("$@")
((${#sizes[@]})) || sizes=(10000 100000)
repeat=${BENCH_REPEAT:-1}
batch=${BENCH_BATCH:-2000}
work="$BENCH_DATA/import-run"
cleanup() { rm -rf "$work"; stop_server; }
trap cleanup EXIT

echo "== import rate =="
check_load
for n in "${sizes[@]}"; do
  src=$(territory_dir "$n")
  lines=$(ndjson_lines "$src")
  bytes=$(ndjson_bytes "$src")
  free_kb=$(df -Pk "$BENCH_DATA" | awk 'NR == 2 { print $4 }')
  ((free_kb > bytes / 1024 * 4)) || die "not enough disk space in $BENCH_DATA for $n patients"
  echo "-- $n patients: $(fmt "$lines") resources, $(fmt $((bytes / 1000000))) MB of NDJSON in $src"

  best_p=0 best_b=0 p_us="" p_rss="" db_mb=0
  for r in $(seq "$repeat"); do
    rm -rf "$work" && mkdir -p "$work"
    sync
    out=$("$BENCH_BIN/sqlite_insert_baseline" --db "$work/baseline.db" --batch "$batch" "$src"/*.ndjson)
    b_rate=$(echo "$out" | awk '{ print $6 }')
    echo "   baseline (raw SQLite inserts) run $r: $out"
    rm -rf "$work" && mkdir -p "$work"
    sync
    # %e wall, %U user, %S system, %M max RSS (KB)
    /usr/bin/time -f "TIME %e %U %S %M" -o "$work/time" \
      "$PARCOURS" import --data "$work/store" --batch "$batch" "$src" >"$work/out" 2>&1 ||
      { cat "$work/out" >&2; die "parcours import failed"; }
    read -r _ wall user sys rss <"$work/time"
    loaded=$(sed -n 's/^loaded \([0-9 ]*\) resources.*/\1/p' "$work/out" | tr -d ' ')
    rejected=$(sed -n 's/.*; \([0-9 ]*\) rejected$/\1/p' "$work/out" | tr -d ' ')
    [[ $loaded == "$lines" && ${rejected:-0} == 0 ]] ||
      { cat "$work/out" >&2; die "import loaded ${loaded:-?} of $lines resources"; }
    p_rate=$(awk -v n="$loaded" -v t="$wall" 'BEGIN { printf "%.0f", n / t }')
    cpu=$(awk -v u="$user" -v s="$sys" -v t="$wall" -v n="$loaded" \
      'BEGIN { printf "%.2f cores (user %.1f s, sys %.1f s), %.1f µs CPU per resource", (u + s) / t, u, s, (u + s) * 1e6 / n }')
    echo "   parcours import run $r: $loaded resources in $wall s = $(fmt "$p_rate") resources/s; CPU $cpu; max RSS $((rss / 1024)) MB"
    db_mb=$(du -sm "$work/store" | cut -f1)
    if ((p_rate > best_p)); then
      best_p=$p_rate p_rss=$((rss / 1024))
      p_us=$(awk -v u="$user" -v s="$sys" -v n="$loaded" 'BEGIN { printf "%.0f", (u + s) * 1e6 / n }')
    fi
    if ((b_rate > best_b)); then best_b=$b_rate; fi
  done
  echo "   store size after import: $db_mb MB"
  echo "   RESULT $n patients: parcours $(fmt "$best_p") resources/s, baseline $(fmt "$best_b") rows/s," \
    "ratio $(ratio "$best_p" "$best_b"); $p_us µs CPU per resource, max RSS $p_rss MB (target 20 000 resources/s: $( ((best_p >= 20000)) && echo met || echo not met))"
  summary "| import, $(fmt "$n") patients ($(fmt "$lines") resources, $((bytes / 1000000)) MB) | $(fmt "$best_p") resources/s ($p_us µs CPU/resource) | raw SQLite inserts of the same lines: $(fmt "$best_b") rows/s | $(ratio "$best_p" "$best_b") | ≥ 20 000 resources/s |"
done
