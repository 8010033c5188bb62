#!/usr/bin/env bash
# Where does import time go? Profiles `parcours import` of a small generated
# territory and prints the share of the process's cost in each stage.
#
# Usage: bench/profile_import.sh [PATIENTS]   (default 1000)
#   BENCH_PROFILER=callgrind|perf   (default: perf when it can sample, else callgrind)
#
# callgrind counts instructions (repeatable whatever else the machine does,
# but blind to waiting: fsync time does not show); perf samples CPU time
# (cpu-clock, so it also works on virtual machines without hardware
# counters). Either way the stages are read off the inclusive cost of the
# functions that implement them.
source "$(dirname "$0")/lib.sh"
patients=${1:-1000}
src=$(territory_dir "$patients")
work=$(mktemp -d "$BENCH_DATA/profile.XXXXXX")
trap 'rm -rf "$work"' EXIT

profiler=${BENCH_PROFILER:-}
if [[ -z $profiler ]]; then
  if command -v perf >/dev/null && perf record -e cpu-clock -o "$work/probe" true >/dev/null 2>&1; then
    profiler=perf
  else
    profiler=callgrind
  fi
fi
echo "== import profile: $patients patients, $(ndjson_lines "$src") resources, with $profiler =="

# Stages, as "label|regex on demangled function names" (first match wins in
# the listing below; shares are inclusive, so nested stages overlap).
stages=(
  "read lines (getline)|std::getline"
  "JSON parse (parse_json)|parcours::parse_json"
  "validation (validate_resource)|parcours::fhir::validate_resource"
  "store write unit (BulkLoader write)|parcours::ingest::BulkLoader::Impl::write"
  "  store put (Writer::put)|::put\\("
  "    index extraction (index_resource)|parcours::search::index_resource"
  "    JSON serialisation (Json::dump_to)|parcours::Json::dump_to"
  "    SQLite (sqlite3_step)|^sqlite3_step"
  "  commit (COMMIT, fsync)|sqlite3_exec|fdatasync"
)

if [[ $profiler == callgrind ]]; then
  need valgrind callgrind_annotate
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" --separate-threads=no \
    "$PARCOURS" import --data "$work/store" "$src" >/dev/null 2>"$work/vg.log" || { cat "$work/vg.log" >&2; exit 1; }
  callgrind_annotate --inclusive=yes --threshold=100 "$work/cg.out" 2>/dev/null >"$work/report"
  total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' "$work/report")
  # lines: "  1,234,567 (12.34%)  file:function [obj]" or "1,234 file:function"
  awk '/^ *[0-9,]+ / { n = $1; gsub(",", "", n); $1 = ""; sub(/^ *\([0-9.]+%\) */, ""); print n "\t" $0 }' \
    "$work/report" >"$work/funcs"
else
  perf record -e cpu-clock -F 999 -g -o "$work/perf.data" \
    "$PARCOURS" import --data "$work/store" "$src" >/dev/null 2>"$work/perf.log"
  perf report -i "$work/perf.data" --children --no-demangle=false --stdio --percent-limit 0.5 -g none \
    --sort symbol 2>/dev/null >"$work/report"
  total=100
  awk '/^ +[0-9.]+% +[0-9.]+%/ { c = $1; sub("%", "", c); $1 = $2 = $3 = ""; sub(/^ *\[.\] */, ""); print c "\t" $0 }' \
    "$work/report" >"$work/funcs"
fi

echo "share of the import's total cost ($profiler; inclusive, so nested lines overlap):"
for s in "${stages[@]}"; do
  label=${s%%|*} re=${s#*|}
  cost=$(awk -F'\t' -v re="$re" '$2 ~ re { if ($1 + 0 > m) m = $1 + 0 } END { print m + 0 }' "$work/funcs")
  printf "  %-44s %5.1f%%\n" "$label" "$(awk -v c="$cost" -v t="$total" 'BEGIN { print t > 0 ? 100 * c / t : 0 }')"
done
echo "top functions by self cost:"
if [[ $profiler == callgrind ]]; then
  callgrind_annotate --inclusive=no --threshold=100 "$work/cg.out" 2>/dev/null |
    awk '/^ *[0-9,]+ .*\(/ && ++n <= 15' | cut -c1-160
else
  perf report -i "$work/perf.data" --no-children --stdio --percent-limit 1 -g none --sort symbol 2>/dev/null |
    grep -E '^ +[0-9.]+%' | head -15 | cut -c1-160
fi
