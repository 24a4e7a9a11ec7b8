#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL server for the tests: everything lives in one folder.
# Usage: scripts/postgres.sh start|stop   (env: PG_DIR, PGPORT)
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PG_DIR=${PG_DIR:-$PWD/var/pgtest}
PGPORT=${PGPORT:-54329}
if [ "$(id -u)" = 0 ]; then AS=(runuser -u postgres --); else AS=(); fi  # initdb refuses root
case "${1:-start}" in
start)
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
  "${AS[@]}" "$PGBIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
      -o "-p $PGPORT -c listen_addresses=127.0.0.1 -k $PG_DIR -c fsync=off -c synchronous_commit=off" start >/dev/null
  "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -q \
      -c "CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB" -c "CREATE DATABASE app OWNER app"
  echo "postgres://app:app@127.0.0.1:$PGPORT/app"
  ;;
stop)
  if [ -d "$PG_DIR/data" ]; then
    "${AS[@]}" "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null || true
  fi
  ;;
esac
