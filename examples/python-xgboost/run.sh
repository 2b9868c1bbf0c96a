#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# run.sh [DIR]: the worked example of README.md, step by step: events ->
# matrix -> a model trained in Python -> rp-train import --check -> nginx
# serving it -> a second model imported and swapped in by nginx -s reload
# -> /model/info names it -> /predict/batch equals Python's predict to
# 1e-6 -> its explanations, TreeSHAP and Saabas, equal XGBoost's
# pred_contribs and approx_contribs to 1e-5. redis-server and nginx
# listen on free loopback ports and are stopped by their PIDs. DIR
# (default: a temporary directory, removed at the end) keeps the files.
# Needs `make` (build/rp-train and the module) and Debian's
# python3-xgboost.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/examples/python-xgboost
RP=$ROOT/build/rp-train
PY=/usr/bin/python3          # Debian's python3, which python3-xgboost is for
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ $# -ge 1 ]; then W=$1; mkdir -p "$W"; KEEP=1; else
    W=$(mktemp -d "${TMPDIR:-/tmp}/rp-example.XXXXXX"); KEEP=0; fi

step() { echo "==> $*"; }
die() { echo "run.sh: $*" >&2; exit 1; }
stop() { # stop PIDFILE: TERM, wait up to 5 s
    [ -s "$1" ] || return 0
    pid=$(cat "$1"); kill -TERM "$pid" 2>/dev/null || return 0
    i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1; i=$((i + 1)); done
}
cleanup() {
    stop "$W/nginx/nginx.pid"; stop "$W/redis.pid"
    [ "$KEEP" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ -x "$RP" ] && [ -f "$ROOT/build/ngx_http_rp_module.so" ] \
    || die "build first: make (build/rp-train, build/ngx_http_rp_module.so)"
"$PY" -c 'import xgboost' 2>/dev/null \
    || die "python3-xgboost is missing: apt-get install python3-xgboost"

step "1. events, and the training matrix 30 days before the last event"
"$RP" generate -q --users 300 --days 200 --seed 11 -o "$W/events.csv"
last=$(tail -1 "$W/events.csv" | cut -d, -f6)
CUT=$(date -u -d "$last 30 days ago" +%Y-%m-%dT%H:%M:%SZ)
"$RP" features -q "$W/events.csv" --cutoff "$CUT" -o "$W/matrix.csv"
echo "    cutoff $CUT: $(($(wc -l <"$W/matrix.csv") - 1)) rows"

step "2. train in Python, save as JSON"
"$PY" "$HERE/train.py" train "$W/matrix.csv" "$W/m1.json" --rounds 20

step "3. import with the product priors' table, checked against XGBoost on every row"
"$RP" import "$W/m1.json" -o "$W/model.rpf" --version py-v1 \
    --priors "$W/events.csv" --cutoff "$CUT" --check "$W/matrix.csv"

step "4. the store and nginx"
RPORT=$("$ROOT/scripts/free-port")
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$W/redis.pid" --dir "$W" \
    --logfile "$W/redis.log" >/dev/null
i=0; until redis-cli -p "$RPORT" ping >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 100 ] || die "redis-server did not start"; sleep 0.05; done
"$RP" materialize -q "$W/events.csv" --redis "127.0.0.1:$RPORT"
NPORT=$("$ROOT/scripts/free-port")
"$ROOT/scripts/local-nginx-conf" "$W/nginx" "$W/model.rpf" "$RPORT" "$NPORT" 1
# step 7's locations: one explanation method each
sed -i '/location = \/predict\/batch *{ rp_predict_batch; }/a\
        location = /tree_shap/predict       { rp_explain tree_shap; rp_predict; }\
        location = /tree_shap/predict/batch { rp_explain tree_shap; rp_predict_batch; }\
        location = /saabas/predict          { rp_explain saabas; rp_predict; }\
        location = /saabas/predict/batch    { rp_explain saabas; rp_predict_batch; }' \
    "$W/nginx/nginx.conf"
grep -q 'rp_explain saabas; rp_predict_batch;' "$W/nginx/nginx.conf" \
    || die "conf/nginx.conf no longer has the /predict/batch location"
"$NGINX" -p "$W/nginx" -c "$W/nginx/nginx.conf" -e "$W/nginx/logs/error.log"
i=0; until curl -sf "http://127.0.0.1:$NPORT/" >/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || die "nginx did not answer"; sleep 0.05; done
URL=http://127.0.0.1:$NPORT
echo "    redis 127.0.0.1:$RPORT (pid $(cat "$W/redis.pid")), nginx $URL (pid $(cat "$W/nginx/nginx.pid"))"

step "5. a second model, imported over the served file, and nginx -s reload"
"$PY" "$HERE/train.py" train "$W/matrix.csv" "$W/m2.json" --rounds 60 --depth 3
"$RP" import "$W/m2.json" -o "$W/model.rpf" --version py-v2 \
    --priors "$W/events.csv" --cutoff "$CUT" --check "$W/matrix.csv"
# the old workers may still take a connection until they see the reload:
# wait for them to exit, then every answer is the new model's
old=$(ps -o pid= --ppid "$(cat "$W/nginx/nginx.pid")")
"$NGINX" -p "$W/nginx" -c "$W/nginx/nginx.conf" -e "$W/nginx/logs/error.log" \
    -s reload
for pid in $old; do
    i=0; while kill -0 "$pid" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 100 ] || die "old worker $pid did not exit"; sleep 0.1; done
done
info=$(curl -sf "$URL/model/info")
echo "$info" | grep -q '"version":"py-v2"' || die "/model/info does not show py-v2"
# import writes the trees' covers: the model can explain (step 7)
echo "$info" | grep -q '"explainable":true' \
    || die "/model/info does not say the model can explain"
echo "    /model/info: version py-v2, explainable (old workers $(echo $old) gone)"

step "6. /predict/batch for 50 pairs of the matrix, against Python's predict"
tail -n +2 "$W/matrix.csv" | head -50 | awk -F, 'BEGIN { printf "[" }
    { printf "%s{\"user_id\":\"%s\",\"product_id\":\"%s\"}", (NR > 1 ? "," : ""), $1, $2 }
    END { print "]" }' >"$W/batch.json"
curl -sf -H 'Content-Type: application/json' --data-binary @"$W/batch.json" \
    "$URL/predict/batch" >"$W/batch-reply.json"
"$PY" -c 'import json, sys
for p in json.load(sys.stdin)["predictions"]:
    assert p["model_version"] == "py-v2" and p["features_source"] == "store", p
    print(json.dumps(p))' <"$W/batch-reply.json" >"$W/replies.json"
tail -n +2 "$W/matrix.csv" | head -1 | awk -F, \
    '{ printf "{\"user_id\":\"%s\",\"product_id\":\"%s\"}", $1, $2 }' >"$W/one.json"
curl -sf -H 'Content-Type: application/json' --data-binary @"$W/one.json" \
    "$URL/predict" >>"$W/replies.json"
echo >>"$W/replies.json"
"$PY" "$HERE/train.py" compare "$W/m2.json" "$W/replies.json"

step "7. explanations by each method, against XGBoost's pred_contribs / approx_contribs"
# the same 50 pairs, every other one asking why; and one /predict
sed 's/}/,"explain":true}/g' "$W/one.json" >"$W/one-explain.json"
tail -n +2 "$W/matrix.csv" | head -50 | awk -F, 'BEGIN { printf "[" }
    { printf "%s{\"user_id\":\"%s\",\"product_id\":\"%s\"%s}", (NR > 1 ? "," : ""),
      $1, $2, (NR % 2 ? ",\"explain\":true" : "") }
    END { print "]" }' >"$W/explain-batch.json"
for method in tree_shap saabas; do
    curl -sf -H 'Content-Type: application/json' \
        --data-binary @"$W/explain-batch.json" \
        "$URL/$method/predict/batch" >"$W/explain-$method-reply.json"
    # an explanation exactly for the items that asked; those go on
    "$PY" -c 'import json, sys
asked = json.load(open(sys.argv[1]))
got = json.load(sys.stdin)["predictions"]
assert len(got) == len(asked), (len(got), len(asked))
for q, p in zip(asked, got):
    assert ("explanation" in p) == q.get("explain", False), (q, p)
    if "explanation" in p:
        print(json.dumps(p))' "$W/explain-batch.json" \
        <"$W/explain-$method-reply.json" >"$W/explain-$method.json"
    curl -sf -H 'Content-Type: application/json' \
        --data-binary @"$W/one-explain.json" \
        "$URL/$method/predict" >>"$W/explain-$method.json"
    echo >>"$W/explain-$method.json"
    "$PY" "$HERE/train.py" explain "$W/m2.json" "$method" "$W/explain-$method.json"
    "$PY" "$HERE/train.py" compare "$W/m2.json" "$W/explain-$method.json"
done
echo "run.sh: the model trained in Python serves through nginx with Python's probabilities and explanations"
