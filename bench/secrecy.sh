#!/usr/bin/env bash
# What the access policy costs: the same requests as a care-team member (a GP
# logged in through /auth, policy and audit applied) and as the bootstrap
# administrator (no policy), in the same run, on the same store.
#
# Usage: bench/secrecy.sh [PATIENTS]          (default 2000)
#   BENCH_SECONDS=10      duration of each wrk run
#   BENCH_CONNECTIONS=16  keep-alive connections (wrk -c), BENCH_THREADS=2 wrk threads
#   BENCH_LISTS=100       type-history pages fetched per caller
#
# Measured:
#   1. reads by id of 1 000 resources of the GP's own patients (the GP sees
#      them all: every read is allowed, so both callers do the same work
#      plus, for the GP, the decision and its audit record);
#   2. typical coordination searches of the GP's patients (their
#      Observations, Conditions, MedicationRequests, Encounters by subject):
#      the policy is a predicate inside the search SQL;
#   3. type history (GET /fhir/Observation/_history?_count=50): the GP's
#      pages hold only their patients' Observations, the administrator's
#      everything, and each total is counted through the predicate.
#   4. the typical coordination queries of the search issue (search_bench
#      --care-team), in process, drawn from the GP's patients, as the GP and
#      as the administrator on the same query texts.
# The ratio GP / admin is the policy's overhead (target ≤ 1.3).
source "$(dirname "$0")/lib.sh"
need wrk python3 sqlite3
need "$BENCH_BIN/search_bench"

patients=${1:-2000}
seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-16}
threads=${BENCH_THREADS:-2}
lists=${BENCH_LISTS:-100}
work=$(mktemp -d "${TMPDIR:-/tmp}/parcours-bench-secrecy.XXXXXX")
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT

echo "== the access policy's cost: a GP vs the administrator =="
check_load
data="$work/store"
cp -r "$(loaded_store "$patients")" "$data"
rm -f "$data/.complete"

# The GP with the most patients, and an account for them.
gp=$(sqlite3 "$data/parcours.db" "SELECT principal FROM access_fact WHERE kind='gp' GROUP BY principal ORDER BY count(*) DESC LIMIT 1")
[[ -n $gp ]] || die "no GP in the territory (labels missing?)"
npat=$(sqlite3 "$data/parcours.db" "SELECT count(*) FROM access_fact WHERE kind='gp' AND principal='$gp'")
echo "GP $gp, médecin traitant of $npat patients"
printf 'bench-password-%s\n' "$RANDOM$RANDOM" >"$work/pw"
out=$("$PARCOURS" user create --data "$data" --kind professional --username bench.gp --practitioner "${gp#Practitioner/}" \
  --profession G15-10 --rpps 10000000001 --password-file "$work/pw")
secret=$(echo "$out" | sed -n 's/.*secret=\([A-Z2-7]*\)&.*/\1/p')
"$PARCOURS" user client --data "$data" --id bench --name bench --scopes "user/*.cruds" \
  --redirect-uri http://localhost/cb >/dev/null

start_server "$data"
echo "server pid $SERVER_PID at $SERVER_URL"

# Login through the real page (PKCE + TOTP); ids of the GP's patients' resources.
python3 - "$SERVER_URL" "$secret" "$(cat "$work/pw")" "$work" "$data/parcours.db" "$gp" "$BENCH_TOKEN" <<'PY'
import base64, hashlib, hmac, http.client, json, os, random, re, sqlite3, struct, sys, time, urllib.parse
url, secret, pw, out, db, gp, admin = sys.argv[1:8]
host, port = urllib.parse.urlparse(url).hostname, urllib.parse.urlparse(url).port
def totp(s):
    key = base64.b32decode(s + "=" * (-len(s) % 8))
    h = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000)
v = base64.urlsafe_b64encode(os.urandom(40)).rstrip(b"=").decode()
q = dict(response_type="code", client_id="bench", redirect_uri="http://localhost/cb", scope="user/*.cruds",
         state="s", code_challenge=base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest()).rstrip(b"=").decode(),
         code_challenge_method="S256")
c = http.client.HTTPConnection(host, port)
c.request("GET", "/auth/authorize?" + urllib.parse.urlencode(q)); page = c.getresponse().read().decode()
q.update(form=re.search(r'name="form" value="([^"]+)"', page).group(1), username="bench.gp", password=pw, totp=totp(secret))
c.request("POST", "/auth/authorize", urllib.parse.urlencode(q), {"Content-Type": "application/x-www-form-urlencoded"})
r = c.getresponse(); r.read()
code = urllib.parse.parse_qs(urllib.parse.urlparse(r.getheader("Location")).query)["code"][0]
c.request("POST", "/auth/token", urllib.parse.urlencode(dict(grant_type="authorization_code", code=code, client_id="bench",
          redirect_uri="http://localhost/cb", code_verifier=v)), {"Content-Type": "application/x-www-form-urlencoded"})
tok = json.loads(c.getresponse().read())["access_token"]
con = sqlite3.connect(db)
rows = con.execute("""SELECT l.type, l.id FROM resource_label l JOIN resource_current c ON c.type=l.type AND c.id=l.id
  WHERE c.deleted=0 AND l.category NOT IN ('sensitive', 'unclassified') AND l.patient IN
  (SELECT patient FROM access_fact WHERE kind='gp' AND principal=?)""", (gp,)).fetchall()
random.Random(42).shuffle(rows)
paths = ["/fhir/%s/%s" % r for r in rows[:1000]]
def script(name, token):
    with open(os.path.join(out, name), "w") as f:
        f.write("local paths = {\n%s\n}\n" % ",\n".join('"%s"' % p for p in paths))
        f.write('''local requests, i, counter = {}, 0, 0
local headers = { ["Authorization"] = "Bearer %s", ["Accept"] = "application/fhir+json" }
function setup(thread) thread:set("offset", counter * 7919); counter = counter + 1 end
function init(args)
  for k, p in ipairs(paths) do requests[k] = wrk.format("GET", p, headers) end
  i = (offset or 0) %% #requests
end
function request() i = i %% #requests + 1; return requests[i] end
''' % token)
script("gp.lua", tok)
script("admin.lua", admin)
pats = [r[0] for r in con.execute("SELECT patient FROM access_fact WHERE kind='gp' AND principal=? ORDER BY patient", (gp,))]
random.Random(7).shuffle(pats)
reads = paths
paths = []
for p in pats[:200]:
    paths += ["/fhir/Observation?subject=Patient/%s&_count=20" % p, "/fhir/Condition?subject=Patient/%s" % p,
              "/fhir/MedicationRequest?subject=Patient/%s" % p, "/fhir/Encounter?subject=Patient/%s&_count=20" % p]
random.Random(9).shuffle(paths)
script("gp_search.lua", tok)
script("admin_search.lua", admin)
paths = reads
open(os.path.join(out, "token"), "w").write(tok)
print("reading %d resources of the GP's patients (%d visible to them)" % (len(paths), len(rows)))
PY
token=$(cat "$work/token")
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$SERVER_URL$(sed -n 2p "$work/gp.lua" | tr -d '",')")
[[ $code == 200 ]] || die "the GP's first read answered $code"

run() {
  local label=$1 script=$2 c0 c1 total
  c0=$(cpu_seconds "$SERVER_PID")
  wrk_run -t"$threads" -c"$conns" -d"${seconds}s" -s "$work/$script" "$SERVER_URL" >"$work/wrk.out"
  c1=$(cpu_seconds "$SERVER_PID")
  total=$(awk '/requests in/ { print $1 }' "$work/wrk.out" | tail -1)
  RPS=$WRK_RPS
  CPU_US=$(awk -v a="$c0" -v b="$c1" -v n="$total" 'BEGIN { printf "%.1f", (b - a) * 1e6 / n }')
  ((WRK_ERRORS == 0)) || { cat "$work/wrk.out"; die "$label: $WRK_ERRORS failed requests"; }
  echo "   $label: $(fmt "$RPS") req/s, p99 $WRK_P99, server CPU $CPU_US µs/request"
}
echo "-- reads by id: wrk -t$threads -c$conns -d${seconds}s (admin, GP, admin, GP)"
run "warm-up" admin.lua >/dev/null
run "admin" admin.lua; a1=$RPS ac1=$CPU_US
run "GP   " gp.lua; g1=$RPS gc1=$CPU_US
run "admin" admin.lua; a2=$RPS ac2=$CPU_US
run "GP   " gp.lua; g2=$RPS gc2=$CPU_US
a_rps=$(awk -v a="$a1" -v b="$a2" 'BEGIN { print (a > b ? a : b) }')
g_rps=$(awk -v a="$g1" -v b="$g2" 'BEGIN { print (a > b ? a : b) }')
a_cpu=$(awk -v a="$ac1" -v b="$ac2" 'BEGIN { print (a < b ? a : b) }')
g_cpu=$(awk -v a="$gc1" -v b="$gc2" 'BEGIN { print (a < b ? a : b) }')
echo "   RESULT reads: GP $(fmt "$g_rps") req/s vs admin $(fmt "$a_rps") req/s; server CPU per read GP $g_cpu µs vs admin $a_cpu µs: ratio $(ratio "$g_cpu" "$a_cpu")"

echo "-- searches by subject: wrk -t$threads -c$conns -d${seconds}s (admin, GP, admin, GP)"
run "admin" admin_search.lua; sa1=$RPS sac1=$CPU_US
run "GP   " gp_search.lua; sg1=$RPS sgc1=$CPU_US
run "admin" admin_search.lua; sa2=$RPS sac2=$CPU_US
run "GP   " gp_search.lua; sg2=$RPS sgc2=$CPU_US
sa_rps=$(awk -v a="$sa1" -v b="$sa2" 'BEGIN { print (a > b ? a : b) }')
sg_rps=$(awk -v a="$sg1" -v b="$sg2" 'BEGIN { print (a > b ? a : b) }')
sa_cpu=$(awk -v a="$sac1" -v b="$sac2" 'BEGIN { print (a < b ? a : b) }')
sg_cpu=$(awk -v a="$sgc1" -v b="$sgc2" 'BEGIN { print (a < b ? a : b) }')
echo "   RESULT searches: GP $(fmt "$sg_rps") req/s vs admin $(fmt "$sa_rps") req/s; server CPU per search GP $sg_cpu µs vs admin $sa_cpu µs: ratio $(ratio "$sg_cpu" "$sa_cpu")"

# Lists: sequential pages, wall time per page (server-side policy in SQL).
list_ms() {
  local tok=$1 t0 t1
  t0=$(date +%s%N)
  for _ in $(seq "$lists"); do
    curl -s -o /dev/null -H "Authorization: Bearer $tok" "$SERVER_URL/fhir/Observation/_history?_count=50"
  done
  t1=$(date +%s%N)
  awk -v a="$t0" -v b="$t1" -v n="$lists" 'BEGIN { printf "%.2f", (b - a) / 1e6 / n }'
}
echo "-- type history, $lists pages of 50 Observations each"
list_ms "$BENCH_TOKEN" >/dev/null
la=$(list_ms "$BENCH_TOKEN"); lg=$(list_ms "$token")
la2=$(list_ms "$BENCH_TOKEN"); lg2=$(list_ms "$token")
la=$(awk -v a="$la" -v b="$la2" 'BEGIN { print (a < b ? a : b) }')
lg=$(awk -v a="$lg" -v b="$lg2" 'BEGIN { print (a < b ? a : b) }')
ta=$(curl -s -H "Authorization: Bearer $BENCH_TOKEN" "$SERVER_URL/fhir/Observation/_history?_count=0" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
tg=$(curl -s -H "Authorization: Bearer $token" "$SERVER_URL/fhir/Observation/_history?_count=0" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
echo "   RESULT lists: GP $lg ms/page (total $tg versions visible) vs admin $la ms/page (total $ta): ratio $(ratio "$lg" "$la")"
summary "| reads by id as a GP vs admin, $(fmt "$patients") patients | GP $(fmt "$g_rps") req/s, $g_cpu µs CPU/read | admin $(fmt "$a_rps") req/s, $a_cpu µs CPU/read | $(ratio "$g_cpu" "$a_cpu") (CPU) | ≤ 1.3 |"
summary "| searches by subject as a GP vs admin | GP $(fmt "$sg_rps") req/s, $sg_cpu µs CPU/search | admin $(fmt "$sa_rps") req/s, $sa_cpu µs CPU/search | $(ratio "$sg_cpu" "$sa_cpu") (CPU) | ≤ 1.3 |"
summary "| Observation type history page (50) as a GP vs admin | $lg ms | $la ms | $(ratio "$lg" "$la") | ≤ 1.3 |"

# The search issue's typical coordination queries, in process (no HTTP, no
# token, no audit: the policy inside the SQL alone), as the GP with the most
# patients and as the administrator, interleaved on the same query texts.
stop_server
echo "-- the typical coordination queries (bench/search_bench.cc --care-team), ${BENCH_ITERATIONS:-200} each"
"$BENCH_BIN/search_bench" --data "$data" --care-team --iterations "${BENCH_ITERATIONS:-200}" | tee "$work/typical.out"
awk '/^store:/ { next } /^query/ { next } NF >= 6 {
  name = $0; sub(/ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$/, "", name)
  printf "| %s, as a GP vs admin | %s ms | %s ms | %s | ≤ 1.3 |\n", name, $(NF-3), $(NF-4), $(NF-2) }' \
  "$work/typical.out" | while IFS= read -r line; do summary "$line"; done
