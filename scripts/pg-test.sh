#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, on loopback only, with its data and socket in a private temp dir.
#   scripts/pg-test.sh start   → prints "DIR CONNECTION_STRING" (stdout, one line)
#   scripts/pg-test.sh stop DIR
#   scripts/pg-test.sh down DIR / up DIR   → stop the server keeping its data, start it again on the same port (fault tests)
# initdb refuses to run as root, so the server runs as the 'postgres' user (or 'nobody' without one).
set -euo pipefail

bin=$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -1 || command -v initdb)")
[[ -x "$bin/initdb" ]] || bin=$(dirname "$(command -v initdb)")
as_pg() {
  if [[ $(id -u) -ne 0 ]]; then "$@";
  elif id postgres >/dev/null 2>&1; then runuser -u postgres -- "$@";
  else setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; fi
}
owner() { if id postgres >/dev/null 2>&1; then echo postgres:postgres; else echo nobody:nogroup; fi; }

case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/pgtest.XXXXXX)
    [[ $(id -u) -eq 0 ]] && chown "$(owner)" "$dir"
    chmod 700 "$dir"
    port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1
    # In the config file rather than on the command line, so that 'up' starts it the same way.
    printf "port = %s\nunix_socket_directories = '%s'\nlisten_addresses = '127.0.0.1'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 300\n" \
      "$port" "$dir" | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null
    echo "$dir Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
    ;;
  down)
    as_pg "$bin/pg_ctl" -D "${2:?usage: pg-test.sh down DIR}/data" -m fast -w stop >/dev/null
    ;;
  up)
    as_pg "$bin/pg_ctl" -D "${2:?usage: pg-test.sh up DIR}/data" -l "$2/server.log" -w -t 30 start >/dev/null
    ;;
  stop)
    dir=${2:?usage: pg-test.sh stop DIR}
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR | down DIR | up DIR" >&2
    exit 2
    ;;
esac
