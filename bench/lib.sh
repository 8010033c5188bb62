# Shared by the bench/*.sh scripts (sourced, not run).
#
# Environment:
#   PARCOURS        the binary to measure (default build/release/src/parcours)
#   BENCH_BIN       folder of the baseline programs (default build/release/bench)
#   BENCH_DATA      cache of generated territories and stores (default build/bench-data)
#   BENCH_SUMMARY   when set, each script appends its Markdown table rows there
#   BENCH_SEED      generator seed (default 42)

set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PARCOURS=${PARCOURS:-$BENCH_ROOT/build/release/src/parcours}
BENCH_BIN=${BENCH_BIN:-$BENCH_ROOT/build/release/bench}
BENCH_DATA=${BENCH_DATA:-$BENCH_ROOT/build/bench-data}
BENCH_SEED=${BENCH_SEED:-42}
BENCH_TOKEN=bench-$$-$RANDOM
mkdir -p "$BENCH_DATA"

die() { echo "bench: $*" >&2; exit 1; }

need() {
  for t in "$@"; do
    [[ -x $t ]] || command -v "$t" >/dev/null || die "missing $t (run scripts/setup.sh && scripts/build.sh release)"
  done
}
need "$PARCOURS"

# Busy fraction of all CPUs over the next $1 seconds (0-100), from /proc/stat.
cpu_busy_percent() {
  local a b
  a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
  sleep "${1:-2}"
  b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); t = (y[1] - x[1]) + (y[2] - x[2]);
                                   printf "%.0f", (t > 0 ? 100 * (y[1] - x[1]) / t : 0) }'
}

# Loud warning when other work competes for the 2 cores: figures are then
# low, but the ratios to the baselines measured in the same run still hold.
check_load() {
  local busy
  busy=$(cpu_busy_percent 2)
  echo "machine: $(nproc) cores, ${busy}% busy over the last 2 s before starting, load average $(cut -d' ' -f1-3 /proc/loadavg) ($(date -u +%FT%TZ))"
  if ((busy > 10)); then
    echo "WARNING: other processes use ${busy}% of the CPUs: absolute figures will be pessimistic; compare the ratios" >&2
  fi
}

# Cache key of the generator's output: a change in src/territory/ regenerates.
territory_key() {
  cat "$BENCH_ROOT"/src/territory/*.cc "$BENCH_ROOT"/src/territory/*.h | sha256sum | cut -c1-12
}

# territory_dir N -> prints the folder holding the NDJSON of an N-patient
# territory, generating it once (generation is not part of any timing).
territory_dir() {
  local n=$1 dir
  dir="$BENCH_DATA/territory-$n-s$BENCH_SEED-$(territory_key)"
  if [[ ! -f $dir/.complete ]]; then
    rm -rf "$dir"
    echo "generating a territory of $n patients into $dir ..." >&2
    "$PARCOURS" generate --patients "$n" --seed "$BENCH_SEED" --out "$dir" >&2
    touch "$dir/.complete"
  fi
  echo "$dir"
}

# loaded_store N -> prints the folder of a store holding the N-patient
# territory (imported once and reused; read-only benchmarks only).
loaded_store() {
  local n=$1 src dir
  src=$(territory_dir "$n")
  dir="$BENCH_DATA/store-$n-s$BENCH_SEED-$(territory_key)"
  if [[ ! -f $dir/.complete ]]; then
    rm -rf "$dir"
    echo "importing it into $dir ..." >&2
    "$PARCOURS" import --data "$dir" "$src" >&2
    touch "$dir/.complete"
  fi
  echo "$dir"
}

ndjson_bytes() { cat "$1"/*.ndjson | wc -c; }
ndjson_lines() { cat "$1"/*.ndjson | wc -l; }

# CPU seconds (user + system) used so far by process $1, from /proc.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' "/proc/$1/stat"
}

# --- the server under test -------------------------------------------------
SERVER_PID=""
SERVER_URL=""
SERVER_LOG=""
stop_server() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  [[ -n $SERVER_LOG ]] && rm -f "$SERVER_LOG"
  SERVER_LOG=""
}
trap stop_server EXIT

# start_server DATA_DIR [serve options...]: serves on a free loopback port;
# sets SERVER_PID and SERVER_URL (http://127.0.0.1:PORT, without /fhir).
start_server() {
  local data=$1
  shift
  SERVER_LOG=$(mktemp "${TMPDIR:-/tmp}/parcours-bench-server.XXXXXX")
  PARCOURS_ADMIN_TOKEN=$BENCH_TOKEN "$PARCOURS" serve --data "$data" --listen 127.0.0.1:0 --log-level warn "$@" \
    >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 300); do
    if grep -q '^listening on ' "$SERVER_LOG"; then
      SERVER_URL=$(sed -n 's#^listening on \(http://127\.0\.0\.1:[0-9]*\)/fhir$#\1#p' "$SERVER_LOG" | head -1)
      [[ -n $SERVER_URL ]] && return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$SERVER_LOG" >&2
  die "the server did not start"
}

# wrk_run ARGS... : runs wrk, prints its output, and sets WRK_RPS (requests/s),
# WRK_REQUESTS, WRK_ERRORS (non-2xx/3xx responses + socket errors), WRK_P50, WRK_P99 and
# WRK_CORES (the client's own CPU seconds per second: it shares the machine).
wrk_run() {
  local out tf
  tf=$(mktemp "${TMPDIR:-/tmp}/parcours-bench-wrk.XXXXXX")
  out=$(/usr/bin/time -f "%U %S %e" -o "$tf" wrk --latency "$@")
  WRK_CORES=$(awk '{ if ($3 > 0) printf "%.2f", ($1 + $2) / $3; else print "n/a" }' "$tf")
  rm -f "$tf"
  echo "$out" | sed 's/^/    /'
  WRK_RPS=$(echo "$out" | awk '/^Requests\/sec:/ { printf "%.0f", $2 }')
  WRK_REQUESTS=$(echo "$out" | awk '/ requests in / { print $1 }')
  WRK_ERRORS=$(echo "$out" | awk '/Non-2xx or 3xx responses:/ { n += $5 }
                                   /Socket errors:/ { gsub(",", ""); n += $4 + $6 + $8 + $10 }
                                   END { print n + 0 }')
  WRK_P50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
  WRK_P99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# Thousands with a thin space, as the rest of Parcours prints them.
fmt() { printf "%.0f" "$1" | sed ':a;s/\B[0-9]\{3\}\>/ &/;ta'; }

summary() {
  if [[ -n ${BENCH_SUMMARY:-} ]]; then echo "$*" >>"$BENCH_SUMMARY"; fi
}
