#!/usr/bin/env bash
# A throw-away PostgreSQL for the history store's tests (Debian's PostgreSQL, installed with apt when
# missing): `start` runs initdb and pg_ctl on a temporary data directory, listening on 127.0.0.1 on a
# free port (and a private unix socket), creates the database `rampart` and prints its URL; `url`
# prints the URL of the running one; `stop` stops it and removes the directory.
# As root, PostgreSQL runs as the `postgres` user (initdb refuses root). State: $RAMPART_PG_DIR
# (default /tmp/rampart-pg).
set -euo pipefail
dir="${RAMPART_PG_DIR:-/tmp/rampart-pg}"

bin_dir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "postgres.sh: installing Debian's postgresql" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; }
      d="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
    else
      echo "postgres.sh: no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)" >&2
      exit 1
    fi
  fi
  echo "$d"
}

# Runs a command as the database's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cmd="${1:-}"
case "$cmd" in
  start)
    if [ -f "$dir/url" ] && [ -f "$dir/data/postmaster.pid" ]; then
      cat "$dir/url"
      exit 0
    fi
    bin="$(bin_dir)"
    rm -rf "$dir"
    mkdir -p "$dir/data" "$dir/sock"
    if [ "$(id -u)" = 0 ]; then
      chown -R postgres:postgres "$dir"
    fi
    chmod 700 "$dir/data"
    as_owner "$bin/initdb" --no-sync --auth=trust --username=postgres --encoding=UTF8 \
      -D "$dir/data" >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    port="$(free_port)"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $port -k $dir/sock -c fsync=off" start >/dev/null ||
      { cat "$dir/postgres.log" >&2; exit 1; }
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres rampart
    echo "postgres://postgres@127.0.0.1:$port/rampart" | as_owner tee "$dir/url" >/dev/null
    cat "$dir/url"
    ;;
  url)
    [ -f "$dir/url" ] || { echo "postgres.sh: not started (run: $0 start)" >&2; exit 1; }
    cat "$dir/url"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      bin="$(bin_dir)"
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|url|stop" >&2
    exit 2
    ;;
esac
