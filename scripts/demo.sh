#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# demo.sh: the whole rp pipeline on this machine, in one command.
#
#   scripts/demo.sh [--scenario all|health|single|new-user|batch|performance]
#                   [--dir DIR] [--users N] [--duration S]
#
# Installs missing Debian packages (as root; otherwise prints the one
# apt-get line to run), builds, generates six months of shop events ending
# today, trains and evaluates a model, then starts redis-server,
# rp-mock-kafka, rp-consumer and nginx with the module on free loopback
# ports, streams live events, and runs the MVP's demo scenarios:
#   1 health   2 single (features before/after live events)   3 new-user
#   4 batch    5 performance (p50/p95/p99 and requests/s)
# Everything it started is stopped by PID on exit, Ctrl-C or failure. The
# model, the events, the configs and every log stay in one folder (printed).

set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

SCENARIO=all
DIR=
USERS=1000
DURATION=5

usage() {
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
    case "$1" in
        --scenario) SCENARIO=${2:?--scenario needs a value}; shift 2 ;;
        --scenario=*) SCENARIO=${1#*=}; shift ;;
        --dir) DIR=${2:?--dir needs a value}; shift 2 ;;
        --users) USERS=${2:?--users needs a value}; shift 2 ;;
        --duration) DURATION=${2:?--duration needs a value}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "demo: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

case "$SCENARIO" in
    all|health|single|new-user|batch|performance) ;;
    *) echo "demo: unknown scenario '$SCENARIO' (all, health, single, new-user, batch, performance)" >&2
       exit 2 ;;
esac

RUN=${DIR:-$ROOT/run/demo-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RUN/logs" "$RUN/nginx/logs" "$RUN/nginx/tmp"
RUN=$(cd "$RUN" && pwd)
LOGS=$RUN/logs

# ---------------------------------------------------------------- helpers

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
step() { echo; bold "==> $*"; }
note() { printf '    %s\n' "$*"; }
die()  { echo "demo: $*" >&2; exit 1; }

# name pid pairs of what we started, stopped in reverse order
STARTED=()

started() { STARTED+=("$1:$2"); }

stop_pid() {   # stop_pid NAME PID: TERM, wait up to 5 s, then KILL
    local name=$1 pid=$2 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    echo "demo: $name (pid $pid) did not stop in 5 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$? i entry
    trap - EXIT INT TERM
    if [ ${#STARTED[@]} -gt 0 ]; then
        echo
        bold "==> stopping what the demo started"
        for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
            entry=${STARTED[$i]}
            stop_pid "${entry%%:*}" "${entry##*:}"
            note "stopped ${entry%%:*} (pid ${entry##*:})"
        done
    fi
    echo
    if [ "$rc" -eq 0 ]; then
        bold "demo finished; model, events, configs and logs are in $RUN"
    else
        bold "demo FAILED (exit $rc); look at the logs in $LOGS"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {   # wait_for SECONDS DESCRIPTION COMMAND...: bounded polling
    local secs=$1 what=$2 i
    shift 2
    for i in $(seq $((secs * 10))); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    die "$what did not happen within $secs s"
}

# pretty JSON with core Perl (no Python needed)
pretty() {
    perl -MJSON::PP -e 'local $/; my $t = <STDIN>;
        my $j = eval { JSON::PP->new->decode($t) };
        print defined $j ? JSON::PP->new->pretty->canonical->encode($j) : $t' \
        | sed 's/^/    /'
}

# json_get FIELD: a top-level field of the JSON on stdin
json_get() {
    perl -MJSON::PP -e 'local $/; my $j = JSON::PP->new->decode(<STDIN>);
        my $v = $j; $v = $v->{$_} for split /\./, $ARGV[0]; print $v // ""' "$1"
}

http() {       # http METHOD PATH [BODY]
    if [ $# -ge 3 ]; then
        curl -sS --max-time 5 -X "$1" -H 'Content-Type: application/json' \
            --data-binary "$3" "http://127.0.0.1:$NGINX_PORT$2"
    else
        curl -sS --max-time 5 -X "$1" "http://127.0.0.1:$NGINX_PORT$2"
    fi
}

# ------------------------------------------------------------ build & train

step "1. packages"
scripts/install-deps || die "install the packages above, then run the demo again"

step "2. build (log: $LOGS/build.log)"
if ! make -j"$(nproc)" all > "$LOGS/build.log" 2>&1; then
    tail -30 "$LOGS/build.log" >&2
    die "the build failed"
fi
note "built rp-train, rp-consumer, rp-produce, rp-mock-kafka, ngx_http_rp_module.so"
# the /docs page's assets come from the npm registry; optional
if command -v npm > /dev/null && make docs-assets > "$LOGS/docs-assets.log" 2>&1; then
    DOCS=1
    note "fetched swagger-ui-dist for /docs (npm)"
else
    DOCS=0
    note "no /docs page this time (npm missing or offline; see $LOGS/docs-assets.log)"
fi

START=$(date -u -d '180 days ago' +%Y-%m-%dT00:00:00Z)
step "3. generate six months of events ending today ($USERS users)"
build/rp-train generate --users "$USERS" --products 500 --days 180 \
    --start "$START" --seed 42 -o "$RUN/events.csv" 2> "$LOGS/generate.log" \
    || { cat "$LOGS/generate.log" >&2; die "rp-train generate failed"; }
note "$(($(wc -l < "$RUN/events.csv") - 1)) events in $RUN/events.csv"

step "4. train (boosting, settings chosen on an earlier window), evaluated on a later one"
build/rp-train fit "$RUN/events.csv" -o "$RUN/model.rpf" 2> "$LOGS/fit.log" \
    || { tail -20 "$LOGS/fit.log" >&2; die "rp-train fit failed"; }
sed 's/^/    /' "$LOGS/fit.log" | tail -8
note "model: $RUN/model.rpf (+ model.json)"
note "rp-train eval, our scorer on the test window (labels from the last 30 days):"
build/rp-train eval "$RUN/model.rpf" "$RUN/events.csv" --plot "$RUN/plots" \
    > "$RUN/eval.json" 2>> "$LOGS/fit.log" \
    || { tail -5 "$LOGS/fit.log" >&2; die "rp-train eval failed"; }
perl -MJSON::PP -e 'local $/; my $j = JSON::PP->new->decode(<STDIN>);
    printf "    ROC AUC %.4f, PR AUC %.4f, Brier %.4f, ECE %.4f; mean prediction %.4f, observed rate %.4f\n",
        @$j{qw(auc pr_auc brier ece mean_predicted positive_rate)};
    print "    reliability: predicted -> observed (rows)\n";
    for my $b (@{$j->{reliability}}) {
        next unless $b->{count};
        printf "      %.1f-%.1f  %.3f -> %.3f  (%d)\n", @{$b->{range}},
            $b->{mean_predicted}, $b->{observed_rate}, $b->{count};
    }' < "$RUN/eval.json"
note "plots: $RUN/plots/roc.png, pr.png, reliability.png (full metrics: $RUN/eval.json)"
build/rp-train inspect "$RUN/model.rpf" > "$LOGS/inspect.txt" 2>&1 \
    || die "rp-train inspect refused the model: $(cat "$LOGS/inspect.txt")"

# ----------------------------------------------------------------- services

step "5. services on free loopback ports"
REDIS_PORT=$(scripts/free-port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$RUN/redis.pid" --dir "$RUN" \
    --logfile "$LOGS/redis.log" > /dev/null
wait_for 5 "redis-server start" test -s "$RUN/redis.pid"
started redis-server "$(cat "$RUN/redis.pid")"
wait_for 5 "redis-server answering" redis-cli -p "$REDIS_PORT" ping
note "redis-server     127.0.0.1:$REDIS_PORT (pid $(cat "$RUN/redis.pid"))"

build/rp-train materialize "$RUN/events.csv" --redis "127.0.0.1:$REDIS_PORT" \
    -q 2> "$LOGS/materialize.log" \
    || { cat "$LOGS/materialize.log" >&2; die "rp-train materialize failed"; }
note "feature store loaded with the history (rp-train materialize)"

build/rp-mock-kafka --partitions 3 > "$RUN/kafka.out" 2> "$LOGS/kafka.log" &
started rp-mock-kafka $!
wait_for 10 "rp-mock-kafka start" test -s "$RUN/kafka.out"
BROKERS=$(head -1 "$RUN/kafka.out")
note "rp-mock-kafka    $BROKERS (pid $!)"

build/rp-consumer -b "$BROKERS" --redis "127.0.0.1:$REDIS_PORT" \
    --stats-interval 5 2> "$LOGS/consumer.log" &
started rp-consumer $!
note "rp-consumer      group rp-consumer (pid $!, log $LOGS/consumer.log)"

NGINX_PORT=$(scripts/free-port)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
# conf/nginx.conf, the operator's example, pointed at this run's files
scripts/local-nginx-conf "$RUN/nginx" "$RUN/model.rpf" "$REDIS_PORT" "$NGINX_PORT" 2 \
    || die "cannot write the nginx configuration"
"$NGINX" -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -e "$RUN/nginx/logs/error.log" -t \
    > "$LOGS/nginx-t.log" 2>&1 || { cat "$LOGS/nginx-t.log" >&2; die "nginx -t failed"; }
"$NGINX" -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -e "$RUN/nginx/logs/error.log"
wait_for 5 "nginx start" test -s "$RUN/nginx/nginx.pid"
started nginx "$(cat "$RUN/nginx/nginx.pid")"
wait_for 5 "nginx answering" curl -sf "http://127.0.0.1:$NGINX_PORT/"
note "nginx + module   http://127.0.0.1:$NGINX_PORT (nginx -t ok, pid $(cat "$RUN/nginx/nginx.pid"))"
[ "$DOCS" = 1 ] && note "API docs         http://127.0.0.1:$NGINX_PORT/docs/ (OpenAPI: /openapi.json)"

build/rp-produce -b "$BROKERS" continuous --rate 50 --seed 7 \
    --users "$USERS" --products 500 > "$LOGS/producer.out" 2> "$LOGS/producer.log" &
started rp-produce $!
note "rp-produce       50 live events/s into ecommerce-events (pid $!)"

# ---------------------------------------------------------------- scenarios

want() { [ "$SCENARIO" = all ] || [ "$SCENARIO" = "$1" ]; }

if want health; then
    step "scenario 1: health check (GET /)"
    http GET / | pretty
    note "model info (GET /model/info), abridged:"
    http GET /model/info | perl -MJSON::PP -e 'local $/; my $j = JSON::PP->new->decode(<STDIN>);
        my ($m, $t) = ($j->{mapped}, $j->{metadata}{metrics}{test} // {});
        printf "    version %s: %d trees, %d nodes, max depth %d, checksum %s\n",
            $j->{model_version}, $m->{trees}, $m->{nodes}, $m->{max_depth}, $m->{checksum};
        printf "    test window: auc %.3f, pr_auc %.3f, logloss %.3f, accuracy %.3f, positive rate %.3f\n",
            @$t{qw(auc pr_auc logloss accuracy positive_rate)} if %$t'
fi

if want single; then
    step "scenario 2: single predictions, before and after live events"
    USER_ID=user_00042
    PRODUCT_ID=prod_0007
    BODY="{\"user_id\":\"$USER_ID\",\"product_id\":\"$PRODUCT_ID\"}"
    BEFORE=$(http POST /predict "$BODY")
    note "before: POST /predict $BODY"
    echo "$BEFORE" | pretty
    N0=$(http GET "/features/$USER_ID" | json_get state.event_count || true)

    note "now $USER_ID views and buys $PRODUCT_ID twice, through Kafka:"
    for t in view purchase view purchase; do
        build/rp-produce -b "$BROKERS" -q custom --user "$USER_ID" \
            --product "$PRODUCT_ID" --type "$t" --amount 24.90 \
            >> "$LOGS/producer.out" 2>> "$LOGS/producer.log" \
            || die "rp-produce custom failed (see $LOGS/producer.log)"
        note "  produced: $t $PRODUCT_ID 24.90"
    done
    applied() {
        local n
        n=$(http GET "/features/$USER_ID" | json_get state.event_count)
        [ -n "$n" ] && [ "$n" -ge "$((${N0:-0} + 4))" ]
    }
    wait_for 30 "the consumer applying the live events" applied
    AFTER=$(http POST /predict "$BODY")
    note "after (the consumer applied them; the worker read the new state):"
    echo "$AFTER" | pretty
    perl -MJSON::PP -e '
        my ($b, $a) = map { JSON::PP->new->decode($_) } @ARGV;
        printf "    probability %.4f -> %.4f\n", $b->{repeat_purchase_probability},
            $a->{repeat_purchase_probability};
        for my $k (sort keys %{$a->{features_used}}) {
            # a missing feature (null) prints as null
            my ($x, $y) = map { defined $_ ? sprintf("%.3f", $_) : "null" }
                $b->{features_used}{$k}, $a->{features_used}{$k};
            printf "    %-26s %10s -> %10s\n", $k, $x, $y if $x ne $y;
        }' "$BEFORE" "$AFTER"
fi

if want new-user; then
    step "scenario 3: a user the store has never seen"
    http POST /predict '{"user_id":"brand_new_user_777","product_id":"prod_0001"}' | pretty
    note "features_source is \"default\": the table's defaults for unknown users"
fi

if want batch; then
    step "scenario 4: a batch (POST /predict/batch, one Redis round trip)"
    BATCH='[{"user_id":"user_00001","product_id":"prod_0001"},
            {"user_id":"user_00002","product_id":"prod_0002"},
            {"user_id":"user_00042","product_id":"prod_0007"},
            {"user_id":"nobody","product_id":"prod_0003"}]'
    http POST /predict/batch "$BATCH" | perl -MJSON::PP -e '
        local $/; my $j = JSON::PP->new->decode(<STDIN>);
        printf "    count %d, model %s\n", $j->{count}, $j->{model_version};
        printf "    %-12s %-10s %8.4f %-7s %s\n", $_->{user_id}, $_->{product_id},
            $_->{repeat_purchase_probability}, $_->{confidence}, $_->{features_source}
            for @{$j->{predictions}}'
fi

if want performance; then
    step "scenario 5: latency under load (wrk, 1 thread, 8 connections, ${DURATION} s)"
    if command -v wrk > /dev/null; then
        wrk -t1 -c8 -d"${DURATION}s" -s scripts/demo-wrk.lua \
            "http://127.0.0.1:$NGINX_PORT" > "$LOGS/wrk.log" 2>&1 \
            || { cat "$LOGS/wrk.log" >&2; die "wrk failed"; }
        grep -E '^(requests|latency)' "$LOGS/wrk.log" | sed 's/^/    /'
        note "(the MVP: ~37 ms per request; this machine runs wrk, nginx, redis,"
        note " the consumer and the producer on the same 2 cores)"
    else
        note "wrk is not installed; skipping"
    fi
    note "metrics (GET /metrics), excerpt:"
    http GET /metrics | grep -E '^rp_(requests_total|redis|fallback)' | head -12 | sed 's/^/    /'
fi

if grep -q 'ev/s' "$LOGS/consumer.log"; then
    step "consumer stats (last line of $LOGS/consumer.log)"
    grep 'ev/s' "$LOGS/consumer.log" | tail -1 | sed 's/^/    /'
fi
