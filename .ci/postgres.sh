#!/usr/bin/env bash
# Start a throwaway PostgreSQL on loopback for the Postgres checkpointer tests.
#   source .ci/postgres.sh   -> exports ML_ENGINEER_TEST_POSTGRES and registers its shutdown
# Installs the server from Debian's packages when it is missing. Runs it as the `postgres`
# user when called as root (the server refuses to run as root).
set -euo pipefail

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(pg_bin)" ]; then
  echo "Installing PostgreSQL from Debian's packages..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN="$(pg_bin)"
PG_DIR="$(mktemp -d /tmp/ml-engineer-pg.XXXXXX)"
PG_PORT="${ML_ENGINEER_PG_PORT:-54329}"
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; fi
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w start \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" >/dev/null
export ML_ENGINEER_TEST_POSTGRES="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
stop_postgres() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap stop_postgres EXIT
echo "PostgreSQL is up at $ML_ENGINEER_TEST_POSTGRES"
