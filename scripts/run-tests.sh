#!/usr/bin/env bash
# Runs the test suite (called by scripts/test.sh with PostgreSQL started). Arguments go to
# `cargo test`; without any, the store, web and CLI tests then run again with the clock set to
# two moments of today (UTC) where a China day and a UTC day disagree — 01:30 UTC (09:30 in China,
# before noon) and 17:30 UTC (01:30 tomorrow in China) — because "today" means China's day
# everywhere in Guanxi, and a test that only passes in the afternoon hides a bug.
set -euo pipefail
cd "$(dirname "$0")/.."
# A clean clone builds once: incremental compilation's caches would only take disk space.
[ "${CI:-}" = "true" ] && export CARGO_INCREMENTAL=0
cargo test --workspace --locked "$@"
[ $# -gt 0 ] && exit 0
if ! command -v faketime >/dev/null; then
    if [ "${CI:-}" = "true" ]; then
        echo "run-tests: faketime not found and CI=true: failing instead of skipping" >&2
        exit 1
    fi
    echo "run-tests: faketime not found; the runs at China's night and morning are skipped" >&2
    exit 0
fi
for at in "01:30:00" "17:30:00"; do
    echo "run-tests: store, web and CLI tests at $(date -u +%F) $at UTC" >&2
    # An offset from now rather than a start time: every process of the run (a test and the
    # `guanxi` it starts) then shares one clock, as on a real machine; with a start time each
    # process would begin at $at again, and one started later would live in the past.
    offset=$(( $(date -u -d "$(date -u +%F) $at" +%s) - $(date -u +%s) ))
    [ "$offset" -ge 0 ] && offset="+$offset"
    # The browser tests are left out: they check pages, not days, and take the longest.
    FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$offset" \
        cargo test --locked -p guanxi-store -p guanxi-web -p guanxi --test store --test web --test cli -- --skip browser
done
