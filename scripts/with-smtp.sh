#!/usr/bin/env bash
# Starts a real SMTP server on loopback (scripts/smtp-sink.py, aiosmtpd from PyPI) that writes
# every message it accepts to a folder, exports GUANXI_TEST_SMTP (host:port) and
# GUANXI_TEST_MAILDIR, runs the given command, and stops the server whatever the outcome.
#
# Usage: scripts/with-smtp.sh COMMAND [ARGS...]
# Under CI=true a missing aiosmtpd is an error; otherwise the e-mail tests are skipped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! python3 -c "import aiosmtpd" 2>/dev/null; then
    echo "with-smtp: installing aiosmtpd from PyPI" >&2
    python3 -m pip install -q aiosmtpd >/tmp/guanxi-pip.log 2>&1 || true
fi
if ! python3 -c "import aiosmtpd" 2>/dev/null; then
    if [ "${CI:-}" = "true" ]; then
        echo "with-smtp: aiosmtpd could not be installed and CI=true: failing instead of skipping (see /tmp/guanxi-pip.log)" >&2
        exit 1
    fi
    echo "with-smtp: aiosmtpd not found; the e-mail tests are skipped" >&2
    exec "$@"
fi
dir=$(mktemp -d /tmp/guanxi-smtp.XXXXXX)
mkdir "$dir/mail"
python3 "$here/smtp-sink.py" "$dir/mail" "$dir/port" >"$dir/log" 2>&1 &
sink=$!
cleanup() {
    kill "$sink" 2>/dev/null || true
    wait "$sink" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 100); do
    [ -s "$dir/port" ] && break
    kill -0 "$sink" 2>/dev/null || { cat "$dir/log" >&2; exit 1; }
    sleep 0.1
done
[ -s "$dir/port" ] || { echo "with-smtp: the SMTP server did not start" >&2; cat "$dir/log" >&2; exit 1; }
export GUANXI_TEST_SMTP="127.0.0.1:$(cat "$dir/port")"
export GUANXI_TEST_MAILDIR="$dir/mail"
echo "with-smtp: SMTP server on $GUANXI_TEST_SMTP" >&2
set +e
"$@"
status=$?
set -e
exit $status
