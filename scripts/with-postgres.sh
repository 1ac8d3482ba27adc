#!/usr/bin/env bash
# Starts a throwaway PostgreSQL from this machine's own binaries (initdb into a temporary
# directory, a free loopback port), exports GUANXI_TEST_PG with its URL, runs the given
# command, and stops and removes the server whatever the command's outcome.
#
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]
# Under CI=true a missing PostgreSQL is an error; otherwise the command runs on SQLite only.
set -euo pipefail

pg_bin=""
for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && pg_bin="$d"
done
if [ -z "$pg_bin" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "with-postgres: installing PostgreSQL from Debian's packages" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || true
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && pg_bin="$d"
    done
fi
if [ -z "$pg_bin" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "with-postgres: PostgreSQL (initdb) not found and CI=true: failing instead of skipping" >&2
        exit 1
    fi
    echo "with-postgres: PostgreSQL not found; running on SQLite only" >&2
    exec "$@"
fi

# PostgreSQL refuses to run as root: run the server as the postgres user when we are root.
as_pg=()
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    as_pg=(runuser -u postgres --)
fi

dir=$(mktemp -d /tmp/guanxi-pg.XXXXXX)
chmod 755 "$dir"
[ ${#as_pg[@]} -gt 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

cleanup() {
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT

"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export GUANXI_TEST_PG="postgres://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
set +e
"$@"
status=$?
set -e
exit $status
