#!/usr/bin/env bash
# The web benchmark behind docs/BENCHMARKS.md: requests per second and p50/p99 latency of the
# list page (plain and searching), the customer page, and the API's list, search and get, over
# loopback against N customers on SQLite, at 2 and at 8 connections.
#
# Usage: scripts/bench-web.sh [N (default 1000000)] [REQUESTS per endpoint (default 3000)]
# Builds bench-data/web-N.db from the demo CSV on first use (bench-data/ is ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
requests=${2:-3000}
cargo build --release -p guanxi
g=$PWD/target/release/guanxi
mkdir -p bench-data
csv=bench-data/customers-$n.csv
db=bench-data/web-$n.db
[ -f "$csv" ] || "$g" --lang en demo --customers "$n" --csv "$csv"
if [ ! -f "$db" ]; then
    "$g" --lang en --database "$db" bench import "$csv" >/dev/null
fi
for c in 2 8; do
    "$g" --lang en --database "$db" bench web --requests "$requests" --seconds 30 --concurrency "$c"
done
