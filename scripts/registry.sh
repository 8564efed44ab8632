#!/usr/bin/env bash
# Local OCI registries for the image tests: Debian's docker-registry (distribution 2.8) on
# 127.0.0.1, filesystem storage under a temp dir, started twice: anonymous, and with htpasswd
# basic auth.
#
#   scripts/registry.sh start   # installs docker-registry, umoci, skopeo, htpasswd if missing; starts both
#   scripts/registry.sh env     # prints the exports the tests read (eval "$(scripts/registry.sh env)")
#   scripts/registry.sh stop    # stops both and removes the storage
#
# State lives in $RAMPART_REGISTRY_DIR (default /tmp/rampart-registry).
set -euo pipefail
dir=${RAMPART_REGISTRY_DIR:-/tmp/rampart-registry}
user=rampart
password=rampart-test-password

need_tools() {
    local missing=()
    command -v docker-registry >/dev/null || missing+=(docker-registry)
    command -v umoci >/dev/null || missing+=(umoci)
    command -v skopeo >/dev/null || missing+=(skopeo)
    command -v htpasswd >/dev/null || missing+=(apache2-utils)
    command -v curl >/dev/null || missing+=(curl)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing ${missing[*]} with apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
            { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_one NAME PORT [AUTH_YAML]
start_one() {
    local name=$1 port=$2 auth=${3:-}
    mkdir -p "$dir/$name/data"
    cat > "$dir/$name/config.yml" <<CFG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/$name/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$auth
CFG
    nohup docker-registry serve "$dir/$name/config.yml" >"$dir/$name/log" 2>&1 &
    echo $! >"$dir/$name/pid"
    echo "$port" >"$dir/$name/port"
    for _ in $(seq 1 100); do
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)
        if [ "$code" = 200 ] || [ "$code" = 401 ]; then
            return 0
        fi
        sleep 0.1
    done
    echo "registry $name did not start; its log:" >&2
    cat "$dir/$name/log" >&2
    return 1
}

stop_one() {
    local name=$1
    if [ -f "$dir/$name/pid" ]; then
        kill "$(cat "$dir/$name/pid")" 2>/dev/null || true
        rm -f "$dir/$name/pid"
    fi
}

case "${1:-}" in
start)
    need_tools
    "$0" stop >/dev/null 2>&1 || true
    mkdir -p "$dir"
    start_one anon "$(free_port)"
    htpasswd -Bbc "$dir/htpasswd" "$user" "$password" >/dev/null 2>&1
    start_one auth "$(free_port)" "auth:
  htpasswd:
    realm: rampart-test
    path: $dir/htpasswd"
    echo "registries: anonymous on 127.0.0.1:$(cat "$dir/anon/port"), basic auth on 127.0.0.1:$(cat "$dir/auth/port")" >&2
    ;;
env)
    echo "export RAMPART_TEST_REGISTRY=127.0.0.1:$(cat "$dir/anon/port")"
    echo "export RAMPART_TEST_REGISTRY_AUTH=127.0.0.1:$(cat "$dir/auth/port")"
    echo "export RAMPART_TEST_REGISTRY_USER=$user"
    echo "export RAMPART_TEST_REGISTRY_PASSWORD=$password"
    ;;
stop)
    stop_one anon
    stop_one auth
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|env|stop" >&2
    exit 2
    ;;
esac
