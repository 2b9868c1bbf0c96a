#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# bench-train.sh: training benchmark. Generates about 10M events, fits the
# random forest (--forest) on them (wall time, peak RSS), then trains
# scikit-learn's RandomForestClassifier on the same feature matrices
# (rp-train features at the same cutoffs, same trees and depth, no class
# weights, n_jobs = our thread count) and writes the figures side by side
# to bench/train-results.md.
#
#   bench/bench-train.sh            (USERS=220000 PRODUCTS=20000 DAYS=180
#                                    TREES=100 THREADS=2 BENCH_DIR=... KEEP=1
#                                    OUT=bench/train-results.md)
set -eu
cd "$(dirname "$0")/.."
RP=${RP_TRAIN:-build/rp-train}
USERS=${USERS:-220000}
PRODUCTS=${PRODUCTS:-20000}
DAYS=${DAYS:-180}
TREES=${TREES:-100}
DEPTH=${DEPTH:-10}
THREADS=${THREADS:-2}
PY=/usr/bin/python3
OUT=${OUT:-bench/train-results.md}
if [ -n "${BENCH_DIR:-}" ]; then
    D=$BENCH_DIR; mkdir -p "$D"
    [ -n "${KEEP:-}" ] || trap 'rm -f "$D"/events.csv "$D"/train.csv "$D"/test.csv' EXIT
else
    D=$(mktemp -d "${TMPDIR:-/tmp}/rp-bench-train.XXXXXX")
    [ -n "${KEEP:-}" ] || trap 'rm -rf "$D"' EXIT
fi

timed() { # timed NAME CMD...: wall seconds and peak RSS (KiB) into $D/NAME.time
    n=$1; shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%e %M' -o "$D/$n.time" "$@"
    else
        s=$(date +%s.%N); "$@"; e=$(date +%s.%N)
        echo "$(echo "$e - $s" | bc) ?" >"$D/$n.time"
    fi
}
jget() { sed -n "s/.*\"$1\":[ \t]*\"\{0,1\}\([^,\"}]*\).*/\1/p" "$2" | head -1; }

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)
echo "bench-train: generating in $D" >&2
timed generate "$RP" generate --users "$USERS" --products "$PRODUCTS" --days "$DAYS" -o "$D/events.csv"
EVENTS=$(($(wc -l <"$D/events.csv") - 1))

timed fit "$RP" fit "$D/events.csv" -o "$D/model.rpf" --forest --features seed --trees "$TREES" --depth "$DEPTH" --threads "$THREADS" 2>"$D/fit.log"
cat "$D/fit.log" >&2
TREE_S=$(sed -n 's/.*trees built in \([0-9.]*\) s.*/\1/p' "$D/fit.log")
T1=$(jget train_cutoff "$D/model.json")
T2=$(jget test_cutoff "$D/model.json")

timed features "$RP" features -q "$D/events.csv" --cutoff "$T1" -o "$D/train.csv"
"$RP" features -q "$D/events.csv" --cutoff "$T2" -o "$D/test.csv"
timed eval "$RP" eval -q "$D/model.rpf" "$D/events.csv" --cutoff "$T2" >"$D/eval.json"

echo "bench-train: scikit-learn" >&2
timed sklearn "$PY" bench/train-vs-sklearn.py "$D/train.csv" "$D/test.csv" \
    --trees "$TREES" --depth "$DEPTH" --jobs "$THREADS" >"$D/sklearn.json"

LOAD1=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)
w() { cut -d' ' -f1 "$D/$1.time"; }
m() { awk '{ printf "%.0f", $2 / 1024 }' "$D/$1.time"; }
CPU=$(sed -n 's/^model name[ \t]*: //p' /proc/cpuinfo 2>/dev/null | head -1)

{
    echo "# Training benchmark (bench/bench-train.sh)"
    echo
    echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($CPU), $THREADS threads for both learners."
    echo "Load average before / after the run: $LOAD0 / $LOAD1 (other jobs on a shared machine"
    echo "make wall times vary; compare the two learners within one run)."
    echo
    echo "Data: \`rp-train generate --users $USERS --products $PRODUCTS --days $DAYS\`: $EVENTS events."
    echo "Train cutoff $T1, test cutoff $T2 (horizon 30 days);"
    echo "$(jget train_rows "$D/model.json") training rows, $(jget test_rows "$D/model.json") test rows."
    echo
    echo "| step | wall (s) | peak RSS (MiB) |"
    echo "|---|---:|---:|"
    echo "| rp-train generate | $(w generate) | $(m generate) |"
    echo "| rp-train fit (read CSV, samples, $TREES trees depth $DEPTH, parity, write) | $(w fit) | $(m fit) |"
    echo "| rp-train features (one cutoff) | $(w features) | $(m features) |"
    echo "| rp-train eval | $(w eval) | $(m eval) |"
    echo
    echo "Same feature matrices, random forest of $TREES trees, max depth $DEPTH, no class weights (rp-train's forest is Platt-scaled, which changes log loss, not AUC):"
    echo
    echo "| learner | test ROC AUC | PR AUC | log loss | fit only (s) | end to end (s) |"
    echo "|---|---:|---:|---:|---:|---:|"
    echo "| rp-train fit (XGBoost hist RF, C API) | $(jget auc "$D/eval.json") | $(jget pr_auc "$D/eval.json") | $(jget logloss "$D/eval.json") | $TREE_S | $(w fit) |"
    echo "| scikit-learn $($PY -c 'import sklearn; print(sklearn.__version__)') RandomForestClassifier (n_jobs=$THREADS) | $(jget auc "$D/sklearn.json") | $(jget pr_auc "$D/sklearn.json") | $(jget logloss "$D/sklearn.json") | $(jget fit_seconds "$D/sklearn.json") | $(w sklearn) |"
    echo
    echo "\"fit only\" is tree building: XGBoost's UpdateOneIter (from rp-train's log) and"
    echo "sklearn's RandomForestClassifier.fit. rp-train's end to end includes reading the"
    echo "events CSV, building samples at both cutoffs, the parity check on every training"
    echo "row and writing the model; sklearn's includes loading the two matrices and predicting."
    echo "Parity (max |ours - XGBoost|): $(jget parity_max_abs_diff "$D/model.json")."
} >"$OUT"
cat "$OUT"

# the summary figures for bench/RESULTS.md
fig="$(dirname "$0")/figure"
AUC_OURS=$(jget auc "$D/eval.json")
AUC_SK=$(jget auc "$D/sklearn.json")
FIT_SK=$(jget fit_seconds "$D/sklearn.json")
"$fig" train "test ROC AUC, $EVENTS events, $TREES trees" ">= scikit-learn - 0.005" \
    "$(printf '%.4f' "$AUC_OURS")" "scikit-learn RandomForestClassifier: $(printf '%.4f' "$AUC_SK")" \
    "$(awk -v a="$AUC_OURS" -v b="$AUC_SK" 'BEGIN { printf "%+.4f", a - b }')"
"$fig" train "tree building time, same matrix, $THREADS threads" ">= 2x faster than scikit-learn" \
    "${TREE_S} s" "scikit-learn: ${FIT_SK} s" \
    "$(awk -v a="$TREE_S" -v b="$FIT_SK" 'BEGIN { printf "%.1fx faster", b / a }')"
"$fig" train "rp-train generate, $EVENTS events" "a few seconds" \
    "$(w generate) s, $(m generate) MiB" "-" "-"
"$fig" train "rp-train fit end to end (read, samples, train, parity, write)" "-" \
    "$(w fit) s, $(m fit) MiB" "scikit-learn end to end: $(w sklearn) s" \
    "$(awk -v a="$(w fit)" -v b="$(w sklearn)" 'BEGIN { printf "%.1fx faster", b / a }')"
