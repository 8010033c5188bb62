#!/usr/bin/env bash
# Read-by-id throughput over keep-alive HTTP, against the HTTP stack's own
# limit (GET /healthz: no authentication, no store, no JSON) in the same run.
#
# Usage: bench/read.sh [PATIENTS]            (default 10000)
#   BENCH_SECONDS=10      duration of each measured wrk run
#   BENCH_CONNECTIONS=64  keep-alive connections (wrk -c), over BENCH_THREADS=2 wrk threads
#   BENCH_IDS=1000        distinct resources read, cycled through
#   BENCH_SERVE_ARGS=...  extra `parcours serve` options (e.g. "--io-threads 4")
#
# The store holds the generated territory (imported once, cached in
# build/bench-data/). Reads cycle through BENCH_IDS existing resources of
# mixed types (40% Patient, 30% Observation, 15% Encounter, the rest
# Condition, MedicationRequest, CareTeam, DocumentReference), with the admin
# bearer token. wrk runs on the same 2 cores as the server: the client's CPU
# is reported, and the server's CPU per request, measured from /proc, gives
# what the server alone could do with both cores.
source "$(dirname "$0")/lib.sh"
need wrk python3 curl

patients=${1:-10000}
seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
threads=${BENCH_THREADS:-2}
nids=${BENCH_IDS:-1000}
read -r -a serve_args <<<"${BENCH_SERVE_ARGS:-}"
work=$(mktemp -d "${TMPDIR:-/tmp}/parcours-bench-read.XXXXXX")
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT

echo "== reads by id over HTTP =="
check_load
src=$(territory_dir "$patients")
data=$(loaded_store "$patients")

# Picks the ids (seeded, so every run reads the same resources) and writes the
# wrk Lua scripts: one cycling through the reads, one for /healthz with the
# same headers, so that the client does the same work in both.
python3 - "$src" "$nids" "$BENCH_TOKEN" "$work" <<'PY'
import random, re, sys, os
src, n, token, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
mix = [("Patient", .40), ("Observation", .30), ("Encounter", .15), ("Condition", .05),
       ("MedicationRequest", .05), ("CareTeam", .025), ("DocumentReference", .025)]
rng = random.Random(42)
id_re = re.compile(r'"id":"([A-Za-z0-9\-.]{1,64})"')
paths = []
for t, share in mix:
    ids = []
    with open(os.path.join(src, t + ".ndjson")) as f:
        for line in f:
            m = id_re.search(line, 0, 300)
            if m: ids.append(m.group(1))
    k = min(len(ids), max(1, round(n * share)))
    paths += ["/fhir/%s/%s" % (t, i) for i in rng.sample(ids, k)]
rng.shuffle(paths)
def script(name, ps):
    with open(os.path.join(out, name), "w") as f:
        f.write("local paths = {\n%s\n}\n" % ",\n".join('"%s"' % p for p in ps))
        f.write('''
local requests = {}
local i = 0
local headers = { ["Authorization"] = "Bearer %s", ["Accept"] = "application/fhir+json" }
-- each wrk thread starts at its own place in the list
local counter = 0
function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end
function init(args)
  for k, p in ipairs(paths) do requests[k] = wrk.format("GET", p, headers) end
  i = (offset or 0) %% #requests
end
function request()
  i = i %% #requests + 1
  return requests[i]
end
''' % token)
script("read.lua", paths)
script("healthz.lua", ["/healthz"])
with open(os.path.join(out, "first"), "w") as f: f.write(paths[0])
print("reading %d resources: %s" % (len(paths), ", ".join("%s %d" % (t, sum(1 for p in paths if p.startswith("/fhir/%s/" % t))) for t, _ in mix)))
PY

start_server "$data" "${serve_args[@]}"
echo "server pid $SERVER_PID at $SERVER_URL (${serve_args[*]:-default options})"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BENCH_TOKEN" "$SERVER_URL$(cat "$work/first")")
[[ $code == 200 ]] || die "GET $(cat "$work/first") answered $code"

# run LABEL SCRIPT SECONDS: sets RPS, CPU_US (server CPU µs per request) and
# SERVER_CORES (server CPU seconds per second).
run() {
  local label=$1 script=$2 secs=$3 c0 c1 total
  echo "-- $label: wrk -t$threads -c$conns -d${secs}s"
  c0=$(cpu_seconds "$SERVER_PID")
  wrk_run -t"$threads" -c"$conns" -d"${secs}s" -s "$work/$script" "$SERVER_URL" >"$work/wrk.out"
  cat "$work/wrk.out"
  c1=$(cpu_seconds "$SERVER_PID")
  total=$(awk '/requests in/ { print $1 }' "$work/wrk.out" | tail -1)
  RPS=$WRK_RPS
  CPU_US=$(awk -v a="$c0" -v b="$c1" -v n="$total" 'BEGIN { printf "%.1f", (b - a) * 1e6 / n }')
  SERVER_CORES=$(awk -v a="$c0" -v b="$c1" -v t="$secs" 'BEGIN { printf "%.2f", (b - a) / t }')
  ((WRK_ERRORS == 0)) || die "$label: $WRK_ERRORS failed requests"
  echo "   $label: $(fmt "$RPS") req/s, p50 $WRK_P50, p99 $WRK_P99; server CPU $CPU_US µs/request ($SERVER_CORES cores busy), wrk $WRK_CORES cores"
}
run "warm-up (reads)" read.lua 2 >/dev/null
run "baseline GET /healthz" healthz.lua "$seconds"
base_rps=$RPS base_cpu=$CPU_US
run "GET /fhir/{type}/{id}" read.lua "$seconds"
read_rps=$RPS read_cpu=$CPU_US read_p99=$WRK_P99
cores=$(nproc)
proj=$(awk -v c="$cores" -v us="$read_cpu" 'BEGIN { printf "%.0f", c * 1e6 / us }')
echo "   RESULT reads: $(fmt "$read_rps") req/s vs /healthz $(fmt "$base_rps") req/s, ratio $(ratio "$read_rps" "$base_rps");" \
  "server CPU per read $read_cpu µs vs $base_cpu µs for /healthz;" \
  "server alone on $cores cores: ~$(fmt "$proj") req/s (target 30 000 req/s: $( ((read_rps >= 30000)) && echo met || echo not met))"
summary "| reads by id, $(fmt "$patients")-patient store, $conns connections | $(fmt "$read_rps") req/s (p99 $read_p99; server CPU $read_cpu µs/req) | GET /healthz: $(fmt "$base_rps") req/s ($base_cpu µs/req) | $(ratio "$read_rps" "$base_rps") | ≥ 30 000 req/s |"
