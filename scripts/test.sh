#!/usr/bin/env bash
# The whole test suite, on SQLite and on PostgreSQL: starts a throwaway PostgreSQL from this
# machine's binaries (scripts/with-postgres.sh) and a real SMTP server on loopback
# (scripts/with-smtp.sh, aiosmtpd from PyPI) and runs every crate's tests against both,
# including the browser tests in headless Chromium (installed from Debian's packages when
# missing). Under CI=true a missing PostgreSQL, aiosmtpd,
# Chromium or faketime is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-deps.sh
exec scripts/with-postgres.sh scripts/with-smtp.sh scripts/run-tests.sh "$@"
