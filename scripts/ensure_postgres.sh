#!/usr/bin/env bash
# Make sure a PostgreSQL server is available for tests and benchmarks, and print its URL.
#
#   scripts/ensure_postgres.sh [DATA_DIR]     install PostgreSQL if missing (Debian apt, as root),
#                                             start a throwaway cluster on 127.0.0.1 on a free port,
#                                             print  postgresql://streams@127.0.0.1:PORT/postgres
#   scripts/ensure_postgres.sh stop DATA_DIR  stop that cluster (the data dir is left for you to delete)
#
# The cluster has its own data dir (default: a new mktemp dir), listens only on 127.0.0.1, trusts
# local connections (it is throwaway), and its superuser is "streams". STREAMS_PG_PORT=N starts it on
# port N instead of a free one (to restart a cluster where its clients expect it). Progress goes to stderr;
# stdout carries only the URL, so `URL=$(scripts/ensure_postgres.sh)` works.
set -euo pipefail

log() { echo "ensure_postgres: $*" >&2; }

find_bindir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return 0
    fi
    return 1
}

# run a command as the cluster owner: "postgres" when we are root (initdb refuses root), else ourselves
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

if [ "${1:-}" = "stop" ]; then
    datadir="${2:?usage: ensure_postgres.sh stop DATA_DIR}"
    bindir="$(find_bindir)"
    as_owner "$bindir/pg_ctl" -D "$datadir" -m fast -w stop >&2 || true
    exit 0
fi

if ! bindir="$(find_bindir)"; then
    if [ "$(id -u)" != 0 ]; then
        log "PostgreSQL is not installed and we are not root; install it with: sudo apt-get install -y postgresql"
        exit 1
    fi
    log "installing PostgreSQL from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bindir="$(find_bindir)" || { log "postgresql installed but initdb/pg_ctl not found"; exit 1; }
fi
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

datadir="${1:-}"
if [ -z "$datadir" ]; then
    datadir="$(mktemp -d /tmp/streams-pg.XXXXXX)"
fi
mkdir -p "$datadir"
if [ "$(id -u)" = 0 ]; then chown postgres: "$datadir"; fi
chmod 700 "$datadir"

if [ ! -f "$datadir/PG_VERSION" ]; then
    log "initdb in $datadir"
    if ! as_owner "$bindir/initdb" -D "$datadir" -U streams --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null 2>&1
    then  # no C.UTF-8 locale on this system: start again without one
        find "$datadir" -mindepth 1 -delete
        as_owner "$bindir/initdb" -D "$datadir" -U streams --auth=trust --encoding=UTF8 --no-locale >&2
    fi
fi

port="${STREAMS_PG_PORT:-$(free_port)}"
log "starting PostgreSQL ($bindir) on 127.0.0.1:$port"
as_owner "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $datadir -c fsync=off -c full_page_writes=off" start >&2 \
    || { tail -n 30 "$datadir/server.log" >&2; exit 1; }

echo "postgresql://streams@127.0.0.1:$port/postgres"
