#!/bin/sh
# First start only (no meta store yet): run influxd on a loopback port, create the database and the users from
# the environment the way the official image's init does, stop it, then start it for real.
set -eu
: "${INFLUXDB_META_DIR:=/var/lib/influxdb/meta}"
: "${INFLUXDB_DATA_DIR:=/var/lib/influxdb/data}"
: "${INFLUXDB_DATA_WAL_DIR:=/var/lib/influxdb/wal}"
export INFLUXDB_META_DIR INFLUXDB_DATA_DIR INFLUXDB_DATA_WAL_DIR

query() {
  wget -q -O /dev/null --post-data="q=$1" "http://127.0.0.1:8087/query${AUTH:-}" \
    || { echo "influxdb init: query failed: ${1%% WITH*}" >&2; exit 1; }
}

if [ ! -d "$INFLUXDB_META_DIR" ]; then
  INFLUXDB_HTTP_BIND_ADDRESS=127.0.0.1:8087 INFLUXDB_HTTP_AUTH_ENABLED=false INFLUXDB_BIND_ADDRESS=127.0.0.1:8089 \
    "$@" &
  init_pid=$!
  tries=0
  until wget -q --spider http://127.0.0.1:8087/ping 2>/dev/null; do
    tries=$((tries + 1)); [ "$tries" -lt 60 ] || { echo "influxdb init: influxd did not start" >&2; exit 1; }
    sleep 0.5
  done
  if [ -n "${INFLUXDB_ADMIN_USER:-}" ]; then
    query "CREATE USER \"$INFLUXDB_ADMIN_USER\" WITH PASSWORD '$INFLUXDB_ADMIN_PASSWORD' WITH ALL PRIVILEGES"
    AUTH="?u=$INFLUXDB_ADMIN_USER&p=$INFLUXDB_ADMIN_PASSWORD"
  fi
  if [ -n "${INFLUXDB_DB:-}" ]; then
    query "CREATE DATABASE \"$INFLUXDB_DB\""
    if [ -n "${INFLUXDB_WRITE_USER:-}" ]; then
      query "CREATE USER \"$INFLUXDB_WRITE_USER\" WITH PASSWORD '$INFLUXDB_WRITE_USER_PASSWORD'"
      query "GRANT WRITE ON \"$INFLUXDB_DB\" TO \"$INFLUXDB_WRITE_USER\""
    fi
    if [ -n "${INFLUXDB_READ_USER:-}" ]; then
      query "CREATE USER \"$INFLUXDB_READ_USER\" WITH PASSWORD '$INFLUXDB_READ_USER_PASSWORD'"
      query "GRANT READ ON \"$INFLUXDB_DB\" TO \"$INFLUXDB_READ_USER\""
    fi
  fi
  kill "$init_pid" && wait "$init_pid" || true
  echo "influxdb init: database ${INFLUXDB_DB:-(none)} and users created"
fi
exec "$@"
