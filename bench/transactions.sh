#!/usr/bin/env bash
# Transaction commits per second over HTTP at 1, 8 and 32 concurrent clients,
# against the disk's own limits measured in the same run and the same folder:
# the fsync rate (4 KiB write + fdatasync, one after the other) and durable
# single-statement SQLite commits (WAL, synchronous=FULL).
#
# Usage: bench/transactions.sh               (no argument)
#   BENCH_SECONDS=5          duration of each wrk run
#   BENCH_CLIENTS="1 8 32"   concurrent keep-alive connections, one run each
#   BENCH_SERVE_ARGS=...     extra `parcours serve` options (e.g. "--workers 64")
#
# Each request POSTs a transaction Bundle of 1 Patient and 3 Observations
# referencing it through urn:uuid fullUrls (server-assigned ids, so every
# request creates 4 new resources and commits once). The server acknowledges
# a transaction only once it is durable; its group commit lets concurrent
# transactions share one fsync, so commits/s may exceed the fsync rate only
# when several clients wait at once. Then one client updates one Patient
# (PUT, another name and narrative each time): commits/s, and the server's
# CPU per update, which the fsync does not hide.
source "$(dirname "$0")/lib.sh"
need wrk curl "$BENCH_BIN/fsync_rate" "$BENCH_BIN/sqlite_commit_baseline"

seconds=${BENCH_SECONDS:-5}
read -r -a clients <<<"${BENCH_CLIENTS:-1 8 32}"
read -r -a serve_args <<<"${BENCH_SERVE_ARGS:-}"
# Everything on the same file system as the other benchmarks' stores.
work=$(mktemp -d "$BENCH_DATA/transactions.XXXXXX")
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT

echo "== transaction commits =="
check_load
echo "data folder: $work ($(df -PT "$work" | awk 'NR == 2 { print $2 " on " $1 }'))"

# The request body (kept small: a typical care-coordination write).
cat >"$work/bundle.json" <<'JSON'
{"resourceType":"Bundle","type":"transaction","entry":[
{"fullUrl":"urn:uuid:9c1b2a4e-0d3f-4a51-9a57-7d1e4b1f2a01","resource":{"resourceType":"Patient","name":[{"family":"Bench","given":["Camille"]}],"gender":"female","birthDate":"1948-03-12","address":[{"city":"Lille","postalCode":"59000","country":"FR"}]},"request":{"method":"POST","url":"Patient"}},
{"fullUrl":"urn:uuid:9c1b2a4e-0d3f-4a51-9a57-7d1e4b1f2a02","resource":{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"29463-7","display":"Body weight"}]},"subject":{"reference":"urn:uuid:9c1b2a4e-0d3f-4a51-9a57-7d1e4b1f2a01"},"effectiveDateTime":"2026-11-01T08:00:00+01:00","valueQuantity":{"value":71.4,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}},"request":{"method":"POST","url":"Observation"}},
{"fullUrl":"urn:uuid:9c1b2a4e-0d3f-4a51-9a57-7d1e4b1f2a03","resource":{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},"subject":{"reference":"urn:uuid:9c1b2a4e-0d3f-4a51-9a57-7d1e4b1f2a01"},"effectiveDateTime":"2026-11-01T08:00:00+01:00","valueQuantity":{"value":68,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}},"request":{"method":"POST","url":"Observation"}},
{"fullUrl":"urn:uuid:9c1b2a4e-0d3f-4a51-9a57-7d1e4b1f2a04","resource":{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"4548-4","display":"Hemoglobin A1c/Hemoglobin.total in Blood"}]},"subject":{"reference":"urn:uuid:9c1b2a4e-0d3f-4a51-9a57-7d1e4b1f2a01"},"effectiveDateTime":"2026-10-28","valueQuantity":{"value":7.2,"unit":"%","system":"http://unitsofmeasure.org","code":"%"}},"request":{"method":"POST","url":"Observation"}}
]}
JSON
python3 - "$work/bundle.json" "$BENCH_TOKEN" >"$work/tx.lua" <<'PY'
import json, sys
body = json.dumps(json.load(open(sys.argv[1])), separators=(",", ":"), ensure_ascii=False)
lua_str = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
print("wrk.method = \"POST\"")
print("wrk.path = \"/fhir\"")
print("wrk.body = " + lua_str(body))
print('wrk.headers["Content-Type"] = "application/fhir+json"')
print('wrk.headers["Authorization"] = "Bearer %s"' % sys.argv[2])
print('wrk.headers["Prefer"] = "return=minimal"')
PY
# Updates: one client PUTs the same Patient again and again, each time with
# another name and narrative, so every commit replaces index rows and takes
# the old full-text row out (computed again from the stored body).
cat >"$work/update.lua" <<LUA
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/fhir+json"
wrk.headers["Authorization"] = "Bearer $BENCH_TOKEN"
wrk.headers["Prefer"] = "return=minimal"
local n = 0
request = function()
  n = n + 1
  local body = string.format([[{"resourceType":"Patient","id":"bench-update","name":[{"family":"Bench%d",]]
    .. [["given":["Camille"]}],"gender":"female","birthDate":"1948-03-12","address":[{"city":"Lille",]]
    .. [["postalCode":"59000","country":"FR"}],"text":{"status":"generated","div":"<div ]]
    .. [[xmlns='http://www.w3.org/1999/xhtml'>Camille Bench%d, diabète de type 2, suivie à Lille</div>"}}]], n, n)
  return wrk.format(nil, "/fhir/Patient/bench-update", nil, body)
end
LUA

# The disk is shared (other processes, a virtual disk): its fsync rate is
# measured before and after the server runs, and the ratios use the mean.
fsync_once() {
  local out
  out=$("$BENCH_BIN/fsync_rate" --dir "$work" --seconds 3)
  echo "-- baseline, disk ($1): 4 KiB write + fdatasync, one at a time: $out" >&2
  echo "$out" | awk '{ print $6 }'
}
fsync_before=$(fsync_once before)
out=$("$BENCH_BIN/sqlite_commit_baseline" --db "$work/baseline.db" --seconds 3)
sqlite_rate=$(echo "$out" | awk '{ print $6 }')
echo "-- baseline, SQLite: one-row durable commits, one at a time: $out"
rm -f "$work"/baseline.db*

start_server "$work/store" "${serve_args[@]}"
echo "server pid $SERVER_PID at $SERVER_URL (${serve_args[*]:-default options})"
code=$(curl -s -o "$work/first.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $BENCH_TOKEN" \
  -H 'Content-Type: application/fhir+json' --data-binary @"$work/bundle.json" "$SERVER_URL/fhir")
[[ $code == 200 ]] || { cat "$work/first.json" >&2; die "the transaction Bundle answered $code"; }

results=()
for c in "${clients[@]}"; do
  t=$((c < 2 ? 1 : 2))
  echo "-- $c client(s): wrk -t$t -c$c -d${seconds}s POST /fhir (transaction, 4 creates)"
  c0=$(cpu_seconds "$SERVER_PID")
  wrk_run -t"$t" -c"$c" -d"${seconds}s" -s "$work/tx.lua" "$SERVER_URL"
  c1=$(cpu_seconds "$SERVER_PID")
  ((WRK_ERRORS == 0)) || die "$WRK_ERRORS transactions failed"
  cpu=$(awk -v a="$c0" -v b="$c1" -v t="$seconds" 'BEGIN { printf "%.2f", (b - a) / t }')
  echo "   $c client(s): $(fmt "$WRK_RPS") commits/s ($(fmt $((WRK_RPS * 4))) resources/s), p50 $WRK_P50, p99 $WRK_P99;" \
    "server $cpu cores, wrk $WRK_CORES cores"
  results+=("$c $WRK_RPS $WRK_P99")
done
echo "-- 1 client: wrk -t1 -c1 -d${seconds}s PUT /fhir/Patient/bench-update (an update each time)"
c0=$(cpu_seconds "$SERVER_PID")
wrk_run -t1 -c1 -d"${seconds}s" -s "$work/update.lua" "$SERVER_URL"
c1=$(cpu_seconds "$SERVER_PID")
((WRK_ERRORS == 0)) || die "$WRK_ERRORS updates failed"
update_rps=$WRK_RPS
update_cpu=$(awk -v a="$c0" -v b="$c1" -v n="$WRK_REQUESTS" 'BEGIN { printf "%.0f", (n > 0 ? 1e6 * (b - a) / n : 0) }')
echo "   updates: $(fmt "$update_rps") commits/s, p50 $WRK_P50, p99 $WRK_P99; server CPU $update_cpu µs per update"
stop_server
fsync_after=$(fsync_once after)
fsync_rate=$(((fsync_before + fsync_after) / 2))
echo "   fsync rate: $fsync_before/s before, $fsync_after/s after, mean $fsync_rate/s;" \
  "SQLite single-row commits: $sqlite_rate/s"
for r in "${results[@]}"; do
  read -r c rps p99 <<<"$r"
  echo "   RESULT $c client(s): $(fmt "$rps") commits/s = $(ratio "$rps" "$fsync_rate") x the fsync rate," \
    "$(ratio "$rps" "$sqlite_rate") x SQLite single commits"
  summary "| transactions (1 Patient + 3 Observations), $c client(s) | $(fmt "$rps") commits/s (p99 $p99) | fsync $(fmt "$fsync_rate")/s; SQLite single-row commits $(fmt "$sqlite_rate")/s | $(ratio "$rps" "$fsync_rate") × fsync | — |"
done
echo "   RESULT updates, 1 client: $(fmt "$update_rps") commits/s = $(ratio "$update_rps" "$fsync_rate") x the fsync rate;" \
  "server CPU $update_cpu µs per update"
summary "| updates (PUT of one Patient, new name and narrative), 1 client | $(fmt "$update_rps") commits/s, server CPU $update_cpu µs/update | fsync $(fmt "$fsync_rate")/s | $(ratio "$update_rps" "$fsync_rate") × fsync | — |"
