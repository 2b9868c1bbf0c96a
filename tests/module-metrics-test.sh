#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# module-metrics-test.sh: the module's /metrics as Prometheus reads it, and
# Redis addresses resolved from a name, against a real nginx with two
# workers and redis-servers of its own (started on free ports, stopped by
# PID):
#
#   1. promtool check metrics passes on a scrape whose labels hold a quote,
#      a backslash, a tab and a newline (model version and path);
#      and rp_redis_up is 1 from both workers, also after a reload;
#   2. rp_redis_up is the same whichever worker answers: with a Redis that
#      takes one client (maxclients 1), one worker is ready and the other
#      refused, and every scrape says rp_redis_up 0 and 1 ready worker;
#   3. a name with two addresses, the first refusing connections: the
#      worker logs the errno of the refused connect and serves from the
#      second (in a private mount namespace whose /etc/hosts has the name;
#      needs root, skipped otherwise).
#
#   tests/module-metrics-test.sh    (after make build/t/model.rpf)

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
nginx=${TEST_NGINX_BINARY:-$(command -v nginx || echo /usr/sbin/nginx)}
module=$top/build/ngx_http_rp_module.so
mkmodel=$top/build/t/mkmodel
dir=$(mktemp -d "${TMPDIR:-/tmp}/rp-metrics-test.XXXXXX")
. "$top/tests/tap.sh"
rpids=""
npid=""

cleanup() {
    [ -n "$npid" ] && kill -QUIT "$npid" 2>/dev/null
    for p in $rpids; do kill "$p" 2>/dev/null; done
    sleep 0.3
    [ -n "${KEEP_TMP:-}" ] && echo "kept $dir" || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM


for c in promtool redis-server curl; do
    command -v "$c" > /dev/null || { echo "$c missing (scripts/install-deps)"; exit 1; }
done

redis() {   # NAME BIND PORT [options]: a redis-server in the background
    n=$1 b=$2 p=$3
    shift 3
    redis-server --port "$p" --bind "$b" --save '' --appendonly no \
        --dir "$dir" --logfile "$dir/$n.log" "$@" > /dev/null 2>&1 &
    rpids="$rpids $!"
    i=0
    until redis-cli -h "$b" -p "$p" ping 2> /dev/null | grep -q PONG; do
        i=$((i + 1)); [ $i -gt 100 ] && return 1; sleep 0.05
    done
}

start_nginx() {   # RP_REDIS_LINE [launcher...]: nginx, two workers
    line=$1
    shift
    port=$("$top/scripts/free-port")
    rm -f "$dir/logs/nginx.pid" "$dir/logs/error.log"
    mkdir -p "$dir/conf" "$dir/logs"
    cat > "$dir/conf/nginx.conf" <<END
load_module $module;
worker_processes 2;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    rp_model "$model";
    $line
    rp_redis_timeout 200ms;
    server {
        listen 127.0.0.1:$port reuseport;
        location = /metrics { rp_metrics; add_header X-Worker \$pid always; }
        location = / { rp_health; }
        location = /predict { rp_predict; }
    }
}
END
    "$@" "$nginx" -p "$dir" -c conf/nginx.conf || return 1
    npid=$(cat "$dir/logs/nginx.pid")
}

stop_nginx() {
    [ -n "$npid" ] && kill -QUIT "$npid" 2>/dev/null
    i=0
    while [ -n "$npid" ] && kill -0 "$npid" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1; i=$((i + 1))
    done
    npid=""
}

# 20 scrapes from new connections (reuseport spreads them over both
# workers); each body to metrics.N, the answering worker to workers
scrapes() {
    : > "$dir/workers"
    i=1
    while [ $i -le 20 ]; do
        curl -s -D "$dir/hdr" "http://127.0.0.1:$port/metrics" \
            > "$dir/metrics.$i"
        sed -n 's/^X-Worker: \([0-9]*\).*/\1/p' "$dir/hdr" >> "$dir/workers"
        i=$((i + 1))
    done
}

ready_workers() {   # N: every worker's connection state is in the zone
    curl -s "http://127.0.0.1:$port/metrics" \
        | grep -q "^rp_redis_ready_workers{.*} $1\$"
}

wait_for() {
    s=$1; shift; n=0
    until "$@"; do n=$((n + 1)); [ $n -gt $((s * 10)) ] && return 1; sleep 0.1; done
}

# the labels: a model version with a quote and a backslash (the loader
# takes printable ASCII only), in a directory whose name has a tab, a
# newline, a quote and a backslash
odd=$(printf 'odd\tdir\nq"\\')
mkdir -p "$dir/$odd"
"$mkmodel" "$dir/$odd/m.rpf" 'v"1\x' > /dev/null
rm -f "$dir/$odd/m.json"        # mkmodel's JSON does not escape the version
model="$dir/odd\\tdir\\nq\\\"\\\\/m.rpf"     # as an nginx string

R1=$("$top/scripts/free-port")
R2=$("$top/scripts/free-port")
redis r1 127.0.0.1 "$R1" || { echo "redis-server failed"; exit 1; }
redis r2 127.0.0.1 "$R2" --maxclients 1 || { echo "redis-server failed"; exit 1; }

# --- 1. promtool on a scrape with every label escape ------------------------
if start_nginx "rp_redis 127.0.0.1:$R1;" && wait_for 10 ready_workers 2; then
    curl -s "http://127.0.0.1:$port/predict" -H 'Content-Type: application/json' \
        -d '{"user_id":"u1","product_id":"p1"}' > /dev/null
    curl -s "http://127.0.0.1:$port/metrics" > "$dir/m1"
    tab=$(printf '\t')
    if promtool check metrics < "$dir/m1" > "$dir/lint1" 2>&1 \
        && grep -q "^rp_model_info{version=\"v\\\\\"1\\\\\\\\x\",path=\".*odd${tab}dir\\\\nq\\\\\"\\\\\\\\/m.rpf\",trees=\"3\"} 1\$" "$dir/m1" \
        && grep -q '^rp_build_info{version="' "$dir/m1" \
        && grep -q '^rp_model_trained_timestamp_seconds{.*} 1700000000$' "$dir/m1"
    then
        ok "promtool check metrics passes; labels keep the tab, escape \\\\, \\\" and newline"
    else
        not_ok "promtool on the module's /metrics" "$dir/lint1" "$dir/m1"
    fi
    scrapes
    up=$(cat "$dir"/metrics.* | grep -c '^rp_redis_up{address="127.0.0.1:'"$R1"'"} 1$')
    if [ "$up" -eq 20 ]; then
        ok "all ready: 20 scrapes say rp_redis_up 1"
    else
        not_ok "all ready: $up of 20 scrapes say rp_redis_up 1"
    fi
    # the new workers own the slots once the old ones have gone
    "$nginx" -p "$dir" -c conf/nginx.conf -s reload 2> /dev/null
    sleep 2
    scrapes
    up=$(cat "$dir"/metrics.* | grep -c '^rp_redis_up{address="127.0.0.1:'"$R1"'"} 1$')
    two=$(cat "$dir"/metrics.* | grep -c '^rp_redis_ready_workers{address="127.0.0.1:'"$R1"'"} 2$')
    if [ "$up" -eq 20 ] && [ "$two" -eq 20 ]; then
        ok "after a reload: 20 scrapes say rp_redis_up 1, 2 ready workers"
    else
        not_ok "after a reload: rp_redis_up 1 in $up, 2 ready workers in $two of 20" "$dir/logs/error.log"
    fi
else
    not_ok "nginx with two workers never had both connections ready" "$dir/logs/error.log"
fi
stop_nginx

# --- 2. one worker ready, one refused: the same answer from both ---------------
# (waits for the log, not for a metric, so the old per-worker gauge is
# judged by the same scrapes)
if start_nginx "rp_redis 127.0.0.1:$R2;" \
        && wait_for 10 grep -q 'connected' "$dir/logs/error.log"; then
    sleep 0.5
    scrapes
    nw=$(sort -u "$dir/workers" | wc -l)
    down=$(cat "$dir"/metrics.* | grep -c '^rp_redis_up{address="127.0.0.1:'"$R2"'"} 0$')
    one=$(cat "$dir"/metrics.* | grep -c '^rp_redis_ready_workers{address="127.0.0.1:'"$R2"'"} 1$')
    if [ "$nw" -eq 2 ] && [ "$down" -eq 20 ] && [ "$one" -eq 20 ]; then
        ok "one of two workers ready: 20 scrapes from both workers say rp_redis_up 0, 1 ready worker"
    else
        not_ok "aggregated rp_redis_up ($nw workers answered; rp_redis_up 0 in $down, 1 ready worker in $one of 20)" "$dir/logs/error.log"
    fi
else
    not_ok "nginx against a Redis of one client: no worker ready" "$dir/logs/error.log"
fi
stop_nginx

# --- 3. a name with two addresses, the first refusing ----------------------
# getaddrinfo sorts 127.0.0.1 first (longest prefix shared with the source
# address); Redis listens on 127.0.0.2 only, so the first connect is refused.
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2> /dev/null; then
    ok "# skip: a private /etc/hosts needs root and mount namespaces"
else
    R3=$("$top/scripts/free-port")
    redis r3 127.0.0.2 "$R3" || { echo "redis-server failed"; exit 1; }
    "$top/build/rp-train" materialize "$top/t/data/events.csv" \
        --redis "127.0.0.2:$R3" -q
    printf '127.0.0.1 rp-two\n127.0.0.2 rp-two\n' > "$dir/hosts"
    if start_nginx "rp_redis rp-two:$R3;" unshare -m sh -c \
            "mount --bind '$dir/hosts' /etc/hosts && exec \"\$0\" \"\$@\"" \
        && wait_for 10 ready_workers 2; then
        body=$(curl -s "http://127.0.0.1:$port/predict" \
            -H 'Content-Type: application/json' \
            -d '{"user_id":"u_loyal","product_id":"p1"}')
        if echo "$body" | grep -q '"features_source":"store"' \
            && grep -q "rp: redis \"rp-two:$R3\": connect() to 127.0.0.1 failed (111: Connection refused)" "$dir/logs/error.log"; then
            ok "rp-two (127.0.0.1 refused, 127.0.0.2): errno logged, served from the second"
        else
            not_ok "two addresses: $body" "$dir/logs/error.log"
        fi
    else
        not_ok "two addresses: nginx did not get ready" "$dir/logs/error.log"
    fi
    stop_nginx
fi

tap_end
