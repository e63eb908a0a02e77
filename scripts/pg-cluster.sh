#!/usr/bin/env bash
# A throwaway PostgreSQL cluster in a temporary folder, for the tests and for trying Sobre on
# PostgreSQL by hand. Debian's binaries (apt-get install postgresql) are found under
# /usr/lib/postgresql/*/bin, or set PG_BIN. PostgreSQL refuses to run as root: as root, the
# cluster belongs to (and runs as) the `postgres` user. It runs with fsync=off: a commit survives
# the server being killed (the tests do that), not the machine losing power.
#
#   scripts/pg-cluster.sh start [DIR]   initdb into DIR (default: a new temp folder), start on a free
#                                       127.0.0.1 port, print shell lines to eval:
#                                       SOBRE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres
#                                       SOBRE_TEST_PG_DIR=DIR
#   scripts/pg-cluster.sh restart DIR   start an existing cluster again (same port)
#   scripts/pg-cluster.sh kill DIR      stop it at once, as a crash would (pg_ctl -m immediate)
#   scripts/pg-cluster.sh stop DIR      stop it and delete DIR
set -euo pipefail

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  done
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return; fi
  echo "pg-cluster: no PostgreSQL binaries (apt-get install postgresql, or set PG_BIN)" >&2
  exit 3
}

# Run a PostgreSQL binary as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

pg_start() {
  local dir=$1 port
  port=$(cat "$dir/port")
  as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
}

BIN=$(find_bin)
cmd=${1:-}
case "$cmd" in
  start)
    dir=${2:-$(mktemp -d "${TMPDIR:-/tmp}/sobre-pg-XXXXXX")}
    mkdir -p "$dir"
    chmod 755 "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    as_owner "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    free_port >"$dir/port"
    pg_start "$dir"
    echo "SOBRE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
    echo "SOBRE_TEST_PG_DIR=$dir"
    ;;
  restart)
    pg_start "${2:?usage: pg-cluster.sh restart DIR}"
    ;;
  kill)
    as_owner "$BIN/pg_ctl" -D "${2:?usage: pg-cluster.sh kill DIR}/data" -m immediate -w stop >/dev/null
    ;;
  stop)
    dir=${2:?usage: pg-cluster.sh stop DIR}
    if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
  *)
    sed -n '2,15p' "$0" >&2
    exit 2
    ;;
esac
