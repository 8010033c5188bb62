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
trap '[[ -n ${BENCH_KEEP:-} ]] || rm -rf "$work"' EXIT

profiler=${BENCH_PROFILER:-}
if [[ -z $profiler ]]; then
  if command -v perf >/dev/null && perf record -e cpu-clock -o "$work/probe" true >/dev/null 2>&1; then
    profiler=perf
  else
    profiler=callgrind
  fi
fi
echo "== import profile: $patients patients, $(ndjson_lines "$src") resources, with $profiler =="

# Stages, as "label|regex on function names" (perf names inlined frames too;
# callgrind sees only real calls, so some inner lines may read 0 there).
# Shares are inclusive: an indented line is part of the line above it.
stages=(
  "store writer thread: bulk-load units (BulkLoader::Impl::write)|BulkLoader::Impl::write"
  "    conditional-reference scan (for_each_reference)|for_each_reference<.*BulkLoader"
  "    Writer::put, per resource|WriterImpl::put"
  "      SQLite statements (sqlite3_step)|^sqlite3_step *$|^sqlite3_step[ (]"
  "      canonical text + hash (no-op detection)|store::.*canonical|hash64"
  "      index rows: extraction (search::index_resource)|index_resource"
  "      index rows: SQLite writes|write_index_rows|replace_rows"
  "      security label rows (write_security_rows)|write_security_rows"
  "      JSON serialisation (Json::dump)|Json::dump"
  "  COMMIT and WAL checkpoint syscalls (pwrite, fdatasync)|^fdatasync|__libc_pwrite|^pwrite"
  "parse + validate workers (parse_chunk)|parse_chunk"
  "  JSON parse (parse_json)|parcours::parse_json"
  "  validation (fhir::validate_resource)|fhir::validate_resource"
  "reading lines (main thread, std::getline)|std::getline|getline<"
  "malloc/free, all threads|^_int_malloc|^_int_free|^malloc *$|^cfree"
)

if [[ $profiler == callgrind ]]; then
  need valgrind callgrind_annotate
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" --separate-threads=no \
    "$PARCOURS" import --data "$work/store" "$src" >/dev/null 2>"$work/vg.log" || { cat "$work/vg.log" >&2; exit 1; }
  callgrind_annotate --inclusive=yes --threshold=100 "$work/cg.out" 2>/dev/null >"$work/report"
  total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' "$work/report")
  # lines: "  1,234,567 (12.34%)  file:function [obj]" or "1,234 file:function"
  awk '/^ *[0-9,]+ / { n = $1; gsub(",", "", n); $1 = ""; sub(/^ *\([0-9.]+%\) */, ""); sub(/^[^:]*:/, "")
                      sub(/ \[[^]]*\]$/, ""); print n "\t" $0 }' \
    "$work/report" >"$work/funcs"
else
  # cpu-clock works without hardware counters; DWARF unwinding because the
  # release build keeps no frame pointers.
  perf record -e cpu-clock -F 499 --call-graph dwarf,16384 -o "$work/perf.data" \
    "$PARCOURS" import --data "$work/store" "$src" >/dev/null 2>"$work/perf.log"
  perf report -i "$work/perf.data" --children --stdio --percent-limit 0.3 -g none --sort symbol \
    2>/dev/null >"$work/report"
  total=100
  awk '/^ +[0-9.]+% +[0-9.]+%/ { c = $1; sub("%", "", c); $1 = $2 = $3 = ""; sub(/^ +/, ""); sub(/ +- +- *$/, "")
                                 print c "\t" $0 }' \
    "$work/report" >"$work/funcs"
fi

echo "share of the import's total cost ($profiler; inclusive, so nested lines overlap):"
for s in "${stages[@]}"; do
  label=${s%%|*} re=${s#*|}
  re=${re//\\/}
  cost=$(awk -F'\t' -v re="$re" '$2 ~ re { if ($1 + 0 > m) m = $1 + 0 } END { print m + 0 }' "$work/funcs")
  printf "  %-44s %5.1f%%\n" "$label" "$(awk -v c="$cost" -v t="$total" 'BEGIN { print (t > 0 ? 100 * c / t : 0) }')"
done
echo "top functions by self cost:"
if [[ $profiler == callgrind ]]; then
  callgrind_annotate --inclusive=no --threshold=100 "$work/cg.out" 2>/dev/null |
    awk '/^ *[0-9,]+ .*\(/ && ++n <= 15' | cut -c1-160
else
  perf report -i "$work/perf.data" --no-children --stdio --percent-limit 1 -g none --sort symbol 2>/dev/null |
    grep -E '^ +[0-9.]+%' | head -15 | cut -c1-160
fi
