#!/usr/bin/env bash
# The benchmarks behind docs/BENCHMARKS.md: importing N customers from a CSV file (median of
# RUNS fresh databases) and search latency over 1,000 mixed queries, on SQLite and PostgreSQL.
#
# Usage: scripts/bench.sh [N (default 1000000)] [RUNS (default 3)]
# Data goes to bench-data/ (ignored by git); results are printed as JSON lines and a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${2:-3}
cargo build --release -p guanxi
g=$PWD/target/release/guanxi
mkdir -p bench-data
csv=bench-data/customers-$n.csv
if [ ! -f "$csv" ]; then
    "$g" --lang en demo --customers "$n" --csv "$csv"
fi
results=bench-data/results-$n.jsonl
: >"$results"

echo "== SQLite: import $n customers, $runs runs" >&2
for run in $(seq "$runs"); do
    rm -f bench-data/bench.db bench-data/bench.db-wal bench-data/bench.db-shm
    "$g" --lang en --database bench-data/bench.db bench import "$csv" 2>/dev/null | grep '^{' | sed 's/^{/{"backend":"sqlite",/' | tee -a "$results"
done
echo "== SQLite: search" >&2
"$g" --lang en --database bench-data/bench.db bench search --queries 1000 | grep '^{' | sed 's/^{/{"backend":"sqlite",/' | tee -a "$results"
ls -l bench-data/bench.db | awk '{print "sqlite database size: " $5 " bytes"}' >&2

echo "== PostgreSQL: import $n customers, $runs runs" >&2
scripts/with-postgres.sh bash -c '
    set -euo pipefail
    for run in $(seq '"$runs"'); do
        db=bench_$run
        psql -q "$GUANXI_TEST_PG" -c "CREATE DATABASE $db"
        url=${GUANXI_TEST_PG%/*}/$db
        '"$g"' --lang en --database "$url" bench import '"$csv"' 2>/dev/null | grep "^{" | sed "s/^{/{\"backend\":\"postgres\",/" | tee -a '"$results"'
    done
    echo "== PostgreSQL: search" >&2
    '"$g"' --lang en --database "$url" bench search --queries 1000 | grep "^{" | sed "s/^{/{\"backend\":\"postgres\",/" | tee -a '"$results"'
'

python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for backend in ("sqlite", "postgres"):
    imp = [r for r in rows if r["backend"] == backend and r["bench"] == "import"]
    if imp:
        rate = statistics.median(r["rows_per_second"] for r in imp)
        secs = statistics.median(r["seconds"] for r in imp)
        print(f"{backend}: import {imp[0]['rows']} rows, median {secs:.1f} s = {rate:,.0f} rows/s over {len(imp)} runs")
    for r in rows:
        if r["backend"] == backend and r["bench"] == "search":
            print(f"{backend}: search over {r['customers']} customers, {r['queries']} queries: "
                  f"p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, max {r['max_ms']:.2f} ms, found {r['found']}")
PY
